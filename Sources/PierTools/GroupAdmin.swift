import PierClient
import PierProtocol

/// One partition of a group's description: what it committed, where the log ends, the difference.
public struct GroupPartitionLag: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    /// nil when the group has committed nothing for the partition.
    public var committedOffset: Int64?
    public var logEndOffset: Int64
    public var lag: Int64? { committedOffset.map { max(logEndOffset - $0, 0) } }
}

public struct GroupMemberSummary: Sendable, Equatable {
    public var memberId: String
    public var clientId: String
    public var host: String
}

public struct GroupDescription: Sendable, Equatable {
    public var group: String
    public var state: String
    public var members: [GroupMemberSummary]
    public var partitions: [GroupPartitionLag]

    /// A state line, then kafka-consumer-groups' columns, then the members.
    public var rendered: String {
        var text = "Group \(group): state \(state), \(members.count) member\(members.count == 1 ? "" : "s"), "
            + "total lag \(partitions.compactMap(\.lag).reduce(0, +))\n"
        var table = TextTable(header: ["TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG"])
        for partition in partitions {
            table.rows.append([partition.topic, String(partition.partition), partition.committedOffset.map(String.init) ?? "-",
                               String(partition.logEndOffset), partition.lag.map(String.init) ?? "-"])
        }
        text += table.rendered
        if !members.isEmpty {
            var memberTable = TextTable(header: ["MEMBER-ID", "CLIENT-ID", "HOST"])
            memberTable.rows = members.map { [$0.memberId, $0.clientId, $0.host] }
            text += "\n\n" + memberTable.rendered
        }
        return text
    }
}

/// Where `pier group reset-offsets` moves a group's offsets.
public enum OffsetResetTarget: Sendable, Equatable {
    case earliest
    case latest
    case offset(Int64)
    /// The first offset with a timestamp at or after this many milliseconds since the epoch.
    case datetime(Int64)
}

/// One row of a reset plan.
public struct OffsetReset: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var currentOffset: Int64?
    public var newOffset: Int64

    /// The new offset for one partition: a given offset is kept inside the log (as Kafka clamps
    /// it); a time past the last record goes to the log end.
    public static func newOffset(for target: OffsetResetTarget, earliest: Int64, latest: Int64, offsetForTime: Int64?) -> Int64 {
        switch target {
        case .earliest: earliest
        case .latest: latest
        case .offset(let offset): min(max(offset, earliest), latest)
        case .datetime: offsetForTime.map { $0 >= 0 ? $0 : latest } ?? latest
        }
    }

    public static func render(_ plan: [OffsetReset], group: String) -> String {
        var table = TextTable(header: ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET"])
        table.rows = plan.map { [group, $0.topic, String($0.partition), $0.currentOffset.map(String.init) ?? "-", String($0.newOffset)] }
        return table.rendered
    }
}

/// `pier group ...`: consumer groups through the coordinator, as kafka-consumer-groups.
public struct GroupAdmin {
    let session: BrokerSession

    public init(session: BrokerSession) { self.session = session }

    public func list() async throws -> [(group: String, state: String)] {
        try await session.connection.listGroups().map { ($0.groupId, $0.groupState) }.sorted { $0.group < $1.group }
    }

    public func describe(_ group: String) async throws -> GroupDescription {
        let coordinator = try await session.coordinator(of: group)
        let described = try await coordinator.describeGroup(group)
        let committed = try await coordinator.committedOffsets(group: group)
        if described.groupState == "Dead" && committed.isEmpty { throw ToolFailure("unknown group '\(group)'") }
        var partitions: [GroupPartitionLag] = []
        for (topic, offsets) in committed.sorted(by: { $0.key < $1.key }) {
            // Partitions of the topic the group never committed show too, with no current offset.
            let all = (try? await session.partitions(of: topic)) ?? offsets.keys.sorted()
            for partition in Set(all).union(offsets.keys).sorted() {
                let leader = try await session.leader(of: topic, partition: partition)
                let end = try await leader.listOffsets(topic: topic, partition: partition, .latest)
                partitions.append(GroupPartitionLag(topic: topic, partition: partition, committedOffset: offsets[partition], logEndOffset: end))
            }
        }
        return GroupDescription(group: group, state: described.groupState,
                                members: described.members.map { GroupMemberSummary(memberId: $0.memberId, clientId: $0.clientId, host: $0.clientHost) }, partitions: partitions)
    }

    /// Works out new offsets for `topics` (nil: every topic the group has committed to) and,
    /// unless `dryRun`, commits them. Refused while the group has members, as Kafka refuses it.
    public func resetOffsets(_ group: String, topics: [String]?, to target: OffsetResetTarget, dryRun: Bool) async throws -> [OffsetReset] {
        let coordinator = try await session.coordinator(of: group)
        let described = try await coordinator.describeGroup(group)
        guard described.members.isEmpty else {
            throw ToolFailure("group '\(group)' has \(described.members.count) active member(s) (state \(described.groupState)); "
                + "offsets can be reset only while it is empty: stop its consumers first")
        }
        let committed = try await coordinator.committedOffsets(group: group)
        let chosen = topics ?? committed.keys.sorted()
        if chosen.isEmpty { throw ToolFailure("group '\(group)' has committed no offsets; name the topics with --topic") }
        var plan: [OffsetReset] = []
        for topic in chosen {
            for partition in try await session.partitions(of: topic) {
                let leader = try await session.leader(of: topic, partition: partition)
                let earliest = try await leader.listOffsets(topic: topic, partition: partition, .earliest)
                let latest = try await leader.listOffsets(topic: topic, partition: partition, .latest)
                var forTime: Int64?
                if case .datetime(let milliseconds) = target {
                    forTime = try await leader.listOffsets(topic: topic, partition: partition, .timestamp(milliseconds))
                }
                plan.append(OffsetReset(topic: topic, partition: partition, currentOffset: committed[topic]?[partition],
                                        newOffset: OffsetReset.newOffset(for: target, earliest: earliest, latest: latest, offsetForTime: forTime)))
            }
        }
        if !dryRun {
            var offsets: [String: [Int32: Int64]] = [:]
            for row in plan { offsets[row.topic, default: [:]][row.partition] = row.newOffset }
            try await coordinator.commitOffsets(group: group, offsets)
        }
        return plan
    }

    public func delete(_ group: String) async throws {
        let coordinator = try await session.coordinator(of: group)
        do {
            try await coordinator.deleteGroup(group)
        } catch KafkaClientError.broker(.groupIdNotFound, _) {
            throw ToolFailure("unknown group '\(group)'")
        } catch KafkaClientError.broker(.nonEmptyGroup, _) {
            throw ToolFailure("group '\(group)' still has active members: stop its consumers first")
        }
    }
}

import NIOCore
import PierClient
import PierStorage

/// `pier consume`: reads a topic's partitions (or one) from a start position and writes each
/// record to the output as it arrives. With a group, partitions start at the group's committed
/// offsets (the start position applies where it has none) and the offsets read are committed
/// after each write, as a consumer assigned every partition would do outside any rebalance; the
/// coordinator accepts such commits only while the group has no active members.
public struct RecordConsumer {
    public struct Options: Sendable {
        public var topic: String
        public var partition: Int32?
        public var start: StartPosition = .latest
        public var group: String?
        public var maxRecords: Int?
        /// Stop when nothing arrives for this long; nil waits for ever.
        public var idleTimeout: Duration?
        public var fetchBytes: Int32 = 1_048_576

        public init(topic: String) { self.topic = topic }
    }

    let session: BrokerSession
    let options: Options

    public init(session: BrokerSession, options: Options) {
        self.session = session
        self.options = options
    }

    /// Returns how many records were written. `progress`, given with `maxRecords`, is told each batch.
    public func run(writer: RecordWriter, output: OutputSink, progress: ProgressDisplay? = nil) async throws -> Int {
        let topic = options.topic
        let partitions = try await session.partitions(of: topic, only: options.partition)
        var committed: [Int32: Int64] = [:]
        var coordinator: KafkaConnection?
        if let group = options.group {
            let connection = try await session.coordinator(of: group)
            coordinator = connection
            committed = try await connection.committedOffsets(group: group)[topic] ?? [:]
        }
        var positions: [Int32: Int64] = [:]
        var leaders: [Int32: KafkaConnection] = [:]
        for partition in partitions {
            let leader = try await session.leader(of: topic, partition: partition)
            leaders[partition] = leader
            if let offset = committed[partition] {
                positions[partition] = offset
            } else {
                positions[partition] = try await Self.resolve(options.start, leader: leader, topic: topic, partition: partition)
            }
        }
        // Partitions grouped by leader, so each broker gets one Fetch per round.
        let byLeader = Dictionary(grouping: partitions) { ObjectIdentifier(leaders[$0]!) }.values.map { ($0, leaders[$0[0]]!) }
        let clock = ContinuousClock()
        var lastRecordAt = clock.now
        var written = 0
        var lastCommitted = committed
        while options.maxRecords.map({ written < $0 }) ?? true {
            var arrived = false
            for (group, leader) in byLeader {
                let fetched = try await leader.fetch(topic: topic, offsets: positions.filter { group.contains($0.key) },
                                                     maxWait: .milliseconds(byLeader.count == 1 ? 500 : 100), minBytes: 1,
                                                     maxBytes: options.fetchBytes, partitionMaxBytes: options.fetchBytes)
                for (partition, answer) in fetched.sorted(by: { $0.key < $1.key }) {
                    let (records, next) = try FetchedRecords.decode(answer.records, from: positions[partition]!, topic: topic, partition: partition)
                    for record in records {
                        if let maxRecords = options.maxRecords, written >= maxRecords { break }
                        writer.write(record, partition: partition, to: &output.buffer)
                        written += 1
                        positions[partition] = record.offset + 1
                        arrived = true
                    }
                    if options.maxRecords.map({ written < $0 }) ?? true { positions[partition] = max(positions[partition]!, next) }
                }
            }
            try output.flush()
            progress?.update(done: Int64(written))
            if let group = options.group, let coordinator, positions != lastCommitted {
                try await coordinator.commitOffsets(group: group, [topic: positions])
                lastCommitted = positions
            }
            if arrived {
                lastRecordAt = clock.now
            } else if let idleTimeout = options.idleTimeout, clock.now - lastRecordAt >= idleTimeout {
                break
            }
        }
        progress?.finish(done: Int64(written))
        return written
    }

    static func resolve(_ start: StartPosition, leader: KafkaConnection, topic: String, partition: Int32) async throws -> Int64 {
        switch start {
        case .earliest: return try await leader.listOffsets(topic: topic, partition: partition, .earliest)
        case .latest: return try await leader.listOffsets(topic: topic, partition: partition, .latest)
        case .offset(let offset):
            let earliest = try await leader.listOffsets(topic: topic, partition: partition, .earliest)
            let latest = try await leader.listOffsets(topic: topic, partition: partition, .latest)
            guard (earliest...latest).contains(offset) else {
                throw ToolFailure("offset \(offset) is outside \(topic)-\(partition), which holds offsets \(earliest) to \(latest - 1)")
            }
            return offset
        case .time(let milliseconds):
            let found = try await leader.listOffsets(topic: topic, partition: partition, .timestamp(milliseconds))
            // -1: no record that late; start at the end.
            return found >= 0 ? found : try await leader.listOffsets(topic: topic, partition: partition, .latest)
        }
    }
}

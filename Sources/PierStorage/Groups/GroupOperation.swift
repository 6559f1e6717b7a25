/// A change to one shard of consumer-group state, as the shard's journal (its `__consumer_offsets`
/// partition) carries it. The shard's SQLite database is what the operations add up to: applying
/// the same operations in the same order to an empty shard gives the same rows, which is how a
/// broker that becomes a shard's coordinator rebuilds it from its replica of the journal. So every
/// operation carries what it depends on (the clock's reading, the retention) rather than reading it
/// when applied.
public enum GroupOperation: Codable, Sendable, Equatable {
    case save(StoredGroup, now: Int64)
    case deleteGroup(String)
    case commit(groupID: String, offsets: [CommittedOffset])
    case deleteOffsets(groupID: String, partitions: [OffsetKey])
    case deleteOffsetsOfTopic(String)
    case expireOffsets(groupID: String, emptySince: Int64?, now: Int64, retentionMilliseconds: Int64)
    case expireUnsubscribedOffsets(groupID: String, subscribedTopics: [String], now: Int64, retentionMilliseconds: Int64)
    case deleteGroupIfNoOffsets(String)
    /// The whole shard: what a shard written before it had a journal carries into it, once.
    case snapshot(groups: [StoredGroup], offsets: [String: [CommittedOffset]], now: Int64)

    public struct OffsetKey: Codable, Sendable, Equatable {
        public var topic: String
        public var partition: Int32
        public init(topic: String, partition: Int32) {
            self.topic = topic
            self.partition = partition
        }
    }

    /// The group the operation is about, nil for a shard-wide one (the journal's record key).
    public var groupID: String? {
        switch self {
        case .save(let group, _): group.groupID
        case .deleteGroup(let id), .deleteGroupIfNoOffsets(let id): id
        case .commit(let id, _), .deleteOffsets(let id, _), .expireOffsets(let id, _, _, _), .expireUnsubscribedOffsets(let id, _, _, _): id
        case .deleteOffsetsOfTopic, .snapshot: nil
        }
    }
}

/// What applying an operation found, for the callers that act on it (offset expiry).
public enum GroupOperationOutcome: Sendable, Equatable {
    case done
    case expired(Int, remaining: Int)
    case expiredUnsubscribed(Int)
    case groupDeleted(Bool)
}

extension GroupMetadataStore {
    @discardableResult
    public func apply(_ operation: GroupOperation) throws(StorageError) -> GroupOperationOutcome {
        switch operation {
        case let .save(group, now):
            try save(group, now: now)
        case .deleteGroup(let groupID):
            try deleteGroup(groupID)
        case let .commit(groupID, offsets):
            try commit(groupID: groupID, offsets: offsets)
        case let .deleteOffsets(groupID, partitions):
            try deleteOffsets(groupID: groupID, partitions: partitions.map { ($0.topic, $0.partition) })
        case .deleteOffsetsOfTopic(let topic):
            try deleteOffsets(ofTopic: topic)
        case let .expireOffsets(groupID, emptySince, now, retention):
            let result = try expireOffsets(groupID: groupID, emptySince: emptySince, now: now, retentionMilliseconds: retention)
            return .expired(result.expired, remaining: result.remaining)
        case let .expireUnsubscribedOffsets(groupID, topics, now, retention):
            return .expiredUnsubscribed(try expireUnsubscribedOffsets(groupID: groupID, subscribedTopics: Set(topics), now: now,
                                                                      retentionMilliseconds: retention))
        case .deleteGroupIfNoOffsets(let groupID):
            return .groupDeleted(try deleteGroupIfNoOffsets(groupID))
        case let .snapshot(groups, offsets, now):
            for group in groups { try save(group, now: now) }
            for (groupID, positions) in offsets.sorted(by: { $0.key < $1.key }) { try commit(groupID: groupID, offsets: positions) }
        }
        return .done
    }

    /// The shard's content as one operation: every group and its committed positions.
    public func snapshot(now: Int64) throws(StorageError) -> GroupOperation {
        let groups = try loadGroups()
        var offsets: [String: [CommittedOffset]] = [:]
        for group in groups {
            let positions = try self.offsets(groupID: group.groupID)
            if !positions.isEmpty { offsets[group.groupID] = positions }
        }
        return .snapshot(groups: groups, offsets: offsets, now: now)
    }
}

import Foundation

/// A consumer group as persisted: the last completed generation and its members' assignments.
public struct StoredGroup: Sendable, Equatable, Codable {
    public struct Member: Sendable, Equatable, Codable {
        public var memberID: String
        public var groupInstanceID: String?
        public var clientID: String
        public var clientHost: String
        public var sessionTimeoutMilliseconds: Int64
        public var rebalanceTimeoutMilliseconds: Int64
        /// The member's subscription for the chosen protocol.
        public var protocolMetadata: [UInt8]
        public var assignment: [UInt8]

        public init(memberID: String, groupInstanceID: String?, clientID: String, clientHost: String,
                    sessionTimeoutMilliseconds: Int64, rebalanceTimeoutMilliseconds: Int64, protocolMetadata: [UInt8], assignment: [UInt8]) {
            self.memberID = memberID
            self.groupInstanceID = groupInstanceID
            self.clientID = clientID
            self.clientHost = clientHost
            self.sessionTimeoutMilliseconds = sessionTimeoutMilliseconds
            self.rebalanceTimeoutMilliseconds = rebalanceTimeoutMilliseconds
            self.protocolMetadata = protocolMetadata
            self.assignment = assignment
        }
    }

    public var groupID: String
    public var protocolType: String?
    public var protocolName: String?
    public var generation: Int32
    public var leaderID: String?
    /// Kafka's state name (`Empty`, `Stable`, ...).
    public var state: String
    /// In join order.
    public var members: [Member]
    /// When the group last lost its members (milliseconds); nil while it has members and for a group
    /// that never had any. Offset expiry counts from it (`offsets.retention.minutes`).
    public var emptySince: Int64?

    public init(groupID: String, protocolType: String?, protocolName: String?, generation: Int32, leaderID: String?, state: String, members: [Member],
                emptySince: Int64? = nil) {
        self.groupID = groupID
        self.emptySince = emptySince
        self.protocolType = protocolType
        self.protocolName = protocolName
        self.generation = generation
        self.leaderID = leaderID
        self.state = state
        self.members = members
    }
}

/// One committed consumer position.
public struct CommittedOffset: Sendable, Equatable, Codable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var leaderEpoch: Int32
    public var metadata: String?
    public var commitTimestamp: Int64
    /// OffsetCommit v2-v4 `retention_time_ms` made absolute: the position expires then, whatever the
    /// broker's retention. Nil: the broker's `offsets.retention.minutes` applies.
    public var expireTimestamp: Int64?

    public init(topic: String, partition: Int32, offset: Int64, leaderEpoch: Int32 = -1, metadata: String? = nil, commitTimestamp: Int64,
                expireTimestamp: Int64? = nil) {
        self.topic = topic
        self.expireTimestamp = expireTimestamp
        self.partition = partition
        self.offset = offset
        self.leaderEpoch = leaderEpoch
        self.metadata = metadata
        self.commitTimestamp = commitTimestamp
    }
}

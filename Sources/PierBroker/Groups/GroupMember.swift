import NIOCore

/// One member of a classic-protocol group, as the coordinator tracks it.
struct GroupMember: Sendable, Equatable {
    struct SupportedProtocol: Sendable, Equatable {
        var name: String
        var metadata: ByteBuffer
    }

    let memberID: String
    /// `group.instance.id`: set for static members, whose identity survives restarts.
    var groupInstanceID: String?
    var clientID: String
    var clientHost: String
    var sessionTimeoutMilliseconds: Int64
    var rebalanceTimeoutMilliseconds: Int64
    /// The assignors the member supports, most preferred first.
    var protocols: [SupportedProtocol]
    /// What the leader assigned it in the current generation.
    var assignment = ByteBuffer()
    /// It has sent JoinGroup in the current rebalance and waits for the response.
    var isAwaitingJoin = false
    /// It has sent SyncGroup and waits for the leader's assignment.
    var isAwaitingSync = false
    /// The session expires at this time unless a heartbeat (or join/sync) comes first.
    var sessionDeadline: Int64

    func metadata(for protocolName: String) -> ByteBuffer? {
        protocols.first { $0.name == protocolName }?.metadata
    }
}

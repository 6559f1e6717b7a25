import NIOCore
import PierStorage

extension ConsumerGroup {
    /// What is persisted: the generation, its protocol and leader, and each member's subscription and assignment.
    var stored: StoredGroup {
        StoredGroup(
            groupID: groupID, protocolType: protocolType, protocolName: protocolName, generation: generation, leaderID: leaderID,
            state: state.rawValue,
            members: orderedMembers.map { member in
                StoredGroup.Member(
                    memberID: member.memberID, groupInstanceID: member.groupInstanceID, clientID: member.clientID, clientHost: member.clientHost,
                    sessionTimeoutMilliseconds: member.sessionTimeoutMilliseconds, rebalanceTimeoutMilliseconds: member.rebalanceTimeoutMilliseconds,
                    protocolMetadata: Array(buffer: protocolName.flatMap(member.metadata(for:)) ?? ByteBuffer()),
                    assignment: Array(buffer: member.assignment)
                )
            },
            emptySince: emptySince
        )
    }

    /// Changes worth persisting: a new generation, a new state, new assignments (Stable after a
    /// sync), or a member under a new id (a static member that restarted without a rebalance).
    var persistenceMark: PersistenceMark {
        PersistenceMark(generation: generation, state: state, memberIDs: joinOrder)
    }

    struct PersistenceMark: Equatable, Sendable {
        var generation: Int32
        var state: GroupState
        var memberIDs: [String]
    }
}

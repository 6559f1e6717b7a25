/// The classic group protocol's states, with Kafka's names (DescribeGroups and ListGroups report them).
enum GroupState: String, Sendable, CaseIterable {
    /// No members; committed offsets may remain.
    case empty = "Empty"
    /// A rebalance started: members must (re)join before the join phase completes.
    case preparingRebalance = "PreparingRebalance"
    /// Join responses are out; waiting for the leader's SyncGroup with the assignment.
    case completingRebalance = "CompletingRebalance"
    /// Every member has its assignment and heartbeats.
    case stable = "Stable"
    /// The group was deleted; requests for it are refused.
    case dead = "Dead"
}

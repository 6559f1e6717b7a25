/// One partition's answer to an operator's AlterPartitionReassignments, as the controller decided
/// and wrote it.
struct RequestedReassignment: Sendable, Equatable {
    enum Outcome: Sendable, Equatable {
        /// Written (or nothing to write): brokers take up the new replica set from the store.
        case accepted
        case refused(PartitionReassignment.Refusal)
        case unknownTopic
        case unknownPartition
        /// A newer controller fenced this one mid-way.
        case notController
        case failed(String)
    }

    var topic: String
    var partition: Int32
    var outcome: Outcome
}

/// A partition being reassigned, as ListPartitionReassignments reports it.
struct OngoingReassignment: Sendable, Equatable {
    var topic: String
    var partition: Int32
    var assignment: PartitionReplicas
}

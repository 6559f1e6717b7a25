/// One partition's answer to an operator's ElectLeaders, as the controller decided and wrote it.
struct RequestedElection: Sendable, Equatable {
    enum Outcome: Sendable, Equatable {
        /// The new leader is written to the partition's state; brokers follow it from there.
        case elected
        case refused(LeaderElection.Refusal)
        /// No such topic in the controller's view of the cluster (or it was deleted meanwhile).
        case unknownTopic
        /// The topic has no such partition.
        case unknownPartition
        /// A newer controller fenced this one mid-way.
        case notController
        case failed(String)

        init(_ write: PartitionStateWrite, refusal: LeaderElection.Refusal?) {
            switch write {
            case .written: self = .elected
            case .unchanged: self = refusal.map { .refused($0) } ?? .failed("no election decided")
            case .topicGone: self = .unknownTopic
            case .fenced: self = .notController
            case .failed(let reason): self = .failed(reason)
            }
        }
    }

    var topic: String
    var partition: Int32
    var outcome: Outcome
}

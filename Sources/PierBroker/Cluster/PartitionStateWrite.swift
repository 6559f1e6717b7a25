/// How the controller's compare-and-set of one partition state ended.
enum PartitionStateWrite: Sendable, Equatable {
    case written
    /// The decision was to leave the state as it is.
    case unchanged
    /// The topic was deleted meanwhile.
    case topicGone
    /// Another controller was elected; this one stepped down.
    case fenced
    case failed(String)
}

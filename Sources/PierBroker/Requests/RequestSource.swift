/// Who sent a request: the header's client id and the connection's peer address, which groups
/// report per member (DescribeGroups' client id and host).
struct RequestSource: Sendable, Equatable {
    var clientID: String
    /// Kafka's form, `/127.0.0.1`.
    var clientHost: String
    /// The listener the connection came through (nil for in-process callers).
    var listener: String? = nil

    static let unknown = RequestSource(clientID: "", clientHost: "")
}

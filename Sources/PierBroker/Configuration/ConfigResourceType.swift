/// The kinds of resource DescribeConfigs, AlterConfigs and IncrementalAlterConfigs name, numbered
/// as on the wire. Pier configures topics and brokers (the broker settings that change at run time).
enum ConfigResourceType: Int8, Sendable {
    case topic = 2
    case broker = 4
    case brokerLogger = 8
    case clientMetrics = 16
    case group = 32
}

/// Which broker a broker resource names: this one (its node id) or, with an empty name, the
/// cluster-wide defaults. Any other name is INVALID_REQUEST, as in Kafka.
enum BrokerResourceName: Equatable, Sendable {
    case thisBroker
    case clusterDefault

    init(_ name: String, nodeID: Int32) throws(TopicProblem) {
        if name.isEmpty {
            self = .clusterDefault
            return
        }
        guard let id = Int32(name) else { throw TopicProblem(.invalidRequest, "broker id must be an integer, not '\(name)'") }
        guard id == nodeID else {
            throw TopicProblem(.invalidRequest, "unexpected broker id \(id): this broker is \(nodeID) (or use an empty name for cluster defaults)")
        }
        self = .thisBroker
    }
}

/// Kafka answers every copy of a resource named twice in one alter request with INVALID_REQUEST.
struct ConfigResourceKey: Hashable {
    var type: Int8
    var name: String

    static func duplicates(_ keys: [ConfigResourceKey]) -> Set<ConfigResourceKey> {
        Set(Dictionary(keys.map { ($0, 1) }, uniquingKeysWith: +).filter { $0.value > 1 }.keys)
    }
}

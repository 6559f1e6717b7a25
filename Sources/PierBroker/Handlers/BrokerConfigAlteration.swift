import PierCoordination
import PierProtocol

/// AlterConfigs and IncrementalAlterConfigs on a broker resource: this broker's id, or an empty name
/// for the cluster-wide default. The settings that change at run time are the topic defaults
/// (`BrokerConfigLayers.dynamicallyAlterable`), validated as the topic setting they supply; they are
/// kept in the coordination store (`/config/brokers/<id|<default>>`), where every broker's metadata
/// watcher picks them up.
struct BrokerConfigAlteration {
    let context: BrokerContext

    /// `edit` turns the entity's current dynamic configs into the new ones.
    func alter(resourceName: String, validateOnly: Bool,
               _ edit: ([String: String]) throws(TopicProblem) -> [String: String]) throws(TopicProblem) {
        let name = try BrokerResourceName(resourceName, nodeID: context.nodeID)
        let entity = BrokerConfigLayers.entity(name, nodeID: context.nodeID)
        let current: [String: String]
        do { current = try context.cluster.brokerConfig(entity) } catch { throw TopicProblem(error) }
        let updated = try edit(current)
        for (setting, value) in updated.sorted(by: { $0.key < $1.key }) where current[setting] != value {
            try Self.validate(setting, value)
        }
        guard !validateOnly else { return }
        do { try context.cluster.setBrokerConfig(entity, updated) } catch { throw TopicProblem(error) }
        switch name {
        case .thisBroker: context.topics.dynamicBrokerConfigChanged(perBroker: updated)
        case .clusterDefault: context.topics.dynamicBrokerConfigChanged(clusterDefault: updated)
        }
        context.logger.notice("dynamic broker config changed", metadata: ["entity": "\(entity)", "config": "\(updated)"])
    }

    /// Kafka's answers: a broker setting that cannot change at run time is INVALID_REQUEST, an
    /// unknown one or a refused value INVALID_CONFIG.
    static func validate(_ setting: String, _ value: String) throws(TopicProblem) {
        guard let topic = BrokerConfigLayers.dynamicallyAlterable[setting] else {
            if BrokerConfigCatalog.settings.contains(where: { $0.definition.name == setting }) {
                throw TopicProblem(.invalidRequest, "Cannot update these configs dynamically: \(setting) (Pier reads it at start only)")
            }
            throw TopicProblem(.invalidConfig, "unknown broker config '\(setting)'")
        }
        if let problem = topic.problem(with: value) {
            throw TopicProblem(.invalidConfig, problem.replacingOccurrences(of: topic.name, with: setting))
        }
    }
}

import PierProtocol

/// DescribeConfigs: a topic's every implemented setting with its effective value and source, or
/// this broker's static settings. Requested names filter the list (unknown ones are skipped, and
/// an empty list asks for all, as in Kafka); synonyms and documentation come only when asked for.
struct DescribeConfigsHandler {
    let context: BrokerContext

    func response(to request: DescribeConfigsRequest, version: Int16) async throws -> DescribeConfigsResponse {
        try await context.blocking { respond(to: request, version: version) }
    }

    private func respond(to request: DescribeConfigsRequest, version: Int16) -> DescribeConfigsResponse {
        var response = DescribeConfigsResponse()
        for resource in request.resources {
            var result = DescribeConfigsResponse.DescribeConfigsResult(
                errorMessage: nil, resourceType: resource.resourceType, resourceName: resource.resourceName
            )
            do {
                // Kafka reads an empty list like a null one: every setting.
                let names = resource.configurationKeys.flatMap { $0.isEmpty ? nil : Set($0) }
                result.configs = try describe(resource, names: names).map { entry($0, request: request, version: version) }
            } catch {
                result.errorCode = error.errorCode.rawValue
                result.errorMessage = error.message
            }
            response.results.append(result)
        }
        return response
    }

    private func describe(_ resource: DescribeConfigsRequest.DescribeConfigsResource, names: Set<String>?) throws(TopicProblem) -> [ConfigDescription] {
        switch ConfigResourceType(rawValue: resource.resourceType) {
        case .topic:
            if let problem = TopicName.problem(with: resource.resourceName) { throw TopicProblem(.invalidTopicException, problem) }
            let view = try context.topics.currentView(resource.resourceName)
            return ConfigDescription.topic(view.configuration, brokerLayers: context.topics.brokerLayers, names: names)
        case .broker:
            switch try BrokerResourceName(resource.resourceName, nodeID: context.nodeID) {
            case .thisBroker: return ConfigDescription.broker(context.configuration, layers: context.topics.brokerLayers, names: names)
            case .clusterDefault: return ConfigDescription.clusterDefaults(context.topics.brokerLayers, names: names)
            }
        case .brokerLogger, .clientMetrics, .group, nil:
            throw TopicProblem(.invalidRequest, "Pier describes topic (2) and broker (4) configs, not resource type \(resource.resourceType)")
        }
    }

    private func entry(_ description: ConfigDescription, request: DescribeConfigsRequest, version: Int16) -> DescribeConfigsResponse.DescribeConfigsResourceResult {
        var entry = DescribeConfigsResponse.DescribeConfigsResourceResult(
            name: description.name, value: description.isSensitive ? nil : description.value, readOnly: description.readOnly,
            isSensitive: description.isSensitive, documentation: nil
        )
        if version == 0 {
            entry.isDefault = description.source == .defaultConfig
        } else {
            entry.configSource = description.source.rawValue
            if request.includeSynonyms {
                entry.synonyms = description.synonyms.map {
                    DescribeConfigsResponse.DescribeConfigsSynonym(name: $0.name, value: description.isSensitive ? nil : $0.value, source: $0.source.rawValue)
                }
            }
        }
        if version >= 3 {
            entry.configType = description.type.rawValue
            if request.includeDocumentation { entry.documentation = description.documentation }
        }
        return entry
    }
}

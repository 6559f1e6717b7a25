import PierProtocol

/// AlterConfigs: replaces a topic's overrides with exactly the settings given (those left out
/// return to their defaults). validate_only checks without writing. Broker settings are static.
struct AlterConfigsHandler {
    let context: BrokerContext

    func response(to request: AlterConfigsRequest, version: Int16) async throws -> AlterConfigsResponse {
        try await context.blocking { respond(to: request) }
    }

    private func respond(to request: AlterConfigsRequest) -> AlterConfigsResponse {
        let duplicates = ConfigResourceKey.duplicates(request.resources.map { ConfigResourceKey(type: $0.resourceType, name: $0.resourceName) })
        var response = AlterConfigsResponse()
        for resource in request.resources {
            var result = AlterConfigsResponse.AlterConfigsResourceResponse(
                errorMessage: nil, resourceType: resource.resourceType, resourceName: resource.resourceName
            )
            do throws(TopicProblem) {
                if duplicates.contains(ConfigResourceKey(type: resource.resourceType, name: resource.resourceName)) {
                    throw TopicProblem(.invalidRequest, "resource '\(resource.resourceName)' appears more than once")
                }
                try alter(resource, validateOnly: request.validateOnly)
            } catch {
                result.errorCode = error.errorCode.rawValue
                result.errorMessage = error.message
            }
            response.responses.append(result)
        }
        return response
    }

    private func alter(_ resource: AlterConfigsRequest.AlterConfigsResource, validateOnly: Bool) throws(TopicProblem) {
        switch ConfigResourceType(rawValue: resource.resourceType) {
        case .topic:
            if let problem = TopicName.problem(with: resource.resourceName) { throw TopicProblem(.invalidTopicException, problem) }
            try context.topics.setConfig(resource.resourceName, overrides: try Self.settings(resource), validateOnly: validateOnly)
        case .broker:
            let replacement = try Self.settings(resource)
            try BrokerConfigAlteration(context: context).alter(resourceName: resource.resourceName, validateOnly: validateOnly) { _ in replacement }
        case .brokerLogger, .clientMetrics, .group, nil:
            throw TopicProblem(.invalidRequest, "Pier alters topic (2) configs, not resource type \(resource.resourceType)")
        }
    }

    /// The settings given, each once and with a value: they replace the resource's whole set.
    private static func settings(_ resource: AlterConfigsRequest.AlterConfigsResource) throws(TopicProblem) -> [String: String] {
        var settings: [String: String] = [:]
        for config in resource.configs {
            guard let value = config.value else { throw TopicProblem(.invalidRequest, "config '\(config.name)' has no value") }
            guard settings.updateValue(value, forKey: config.name) == nil else {
                throw TopicProblem(.invalidRequest, "config '\(config.name)' appears more than once")
            }
        }
        return settings
    }
}

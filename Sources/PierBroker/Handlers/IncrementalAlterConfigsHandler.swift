import PierProtocol

/// IncrementalAlterConfigs: SET, DELETE, APPEND and SUBTRACT on single topic settings, leaving
/// the others alone; the resulting overrides are validated as a whole before anything is written.
struct IncrementalAlterConfigsHandler {
    let context: BrokerContext

    func response(to request: IncrementalAlterConfigsRequest, version: Int16) async throws -> IncrementalAlterConfigsResponse {
        try await context.blocking { respond(to: request) }
    }

    private func respond(to request: IncrementalAlterConfigsRequest) -> IncrementalAlterConfigsResponse {
        let duplicates = ConfigResourceKey.duplicates(request.resources.map { ConfigResourceKey(type: $0.resourceType, name: $0.resourceName) })
        var response = IncrementalAlterConfigsResponse()
        for resource in request.resources {
            var result = IncrementalAlterConfigsResponse.AlterConfigsResourceResponse(
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

    private func alter(_ resource: IncrementalAlterConfigsRequest.AlterConfigsResource, validateOnly: Bool) throws(TopicProblem) {
        switch ConfigResourceType(rawValue: resource.resourceType) {
        case .topic:
            if let problem = TopicName.problem(with: resource.resourceName) { throw TopicProblem(.invalidTopicException, problem) }
            let changes = try Self.changes(resource)
            let defaults = context.topics.configuration(overrides: [:])
            try context.topics.editConfig(resource.resourceName, validateOnly: validateOnly) { current throws(TopicProblem) in
                try IncrementalConfigChange.apply(changes, to: current) { defaults[$0] }
            }
        case .broker:
            let changes = try Self.changes(resource)
            let layers = context.topics.brokerLayers
            try BrokerConfigAlteration(context: context).alter(resourceName: resource.resourceName, validateOnly: validateOnly) { current throws(TopicProblem) in
                try IncrementalConfigChange.apply(changes, to: current, listSettingNamed: { BrokerConfigLayers.dynamicallyAlterable[$0] }) {
                    layers.effective($0)?.value
                }
            }
        case .brokerLogger, .clientMetrics, .group, nil:
            throw TopicProblem(.invalidRequest, "Pier alters topic (2) configs, not resource type \(resource.resourceType)")
        }
    }

    private static func changes(_ resource: IncrementalAlterConfigsRequest.AlterConfigsResource) throws(TopicProblem) -> [IncrementalConfigChange] {
        try resource.configs.map { config throws(TopicProblem) in
            guard let operation = IncrementalConfigChange.Operation(rawValue: config.configOperation) else {
                throw TopicProblem(.invalidRequest, "unknown config operation \(config.configOperation) for '\(config.name)'")
            }
            return IncrementalConfigChange(name: config.name, operation: operation, value: config.value)
        }
    }
}

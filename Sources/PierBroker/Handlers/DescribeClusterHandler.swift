import PierProtocol

/// DescribeCluster: the live brokers, the cluster id and the controller, as AdminClient's
/// describe_cluster shows them.
struct DescribeClusterHandler {
    let context: BrokerContext

    /// Kafka's "not requested" value for authorized operations.
    static let operationsNotRequested = Int32.min

    /// What Kafka reports for the cluster resource when it has no authorizer (as Pier): every
    /// operation the cluster supports — CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS,
    /// ALTER_CONFIGS, IDEMPOTENT_WRITE — as a bit field of their ACL operation codes.
    static let allClusterOperations: Int32 = [5, 7, 8, 9, 10, 11, 12].reduce(0) { $0 | (1 << $1) }

    /// The endpoint type brokers answer for (controllers are 2).
    static let brokerEndpoints: Int8 = 1

    /// `listener`: the one the request came through, whose addresses the brokers are given with.
    func response(to request: DescribeClusterRequest, version: Int16, listener: String? = nil) async throws -> DescribeClusterResponse {
        try await context.blocking { try respond(to: request, listener: listener) }
    }

    private func respond(to request: DescribeClusterRequest, listener: String?) throws -> DescribeClusterResponse {
        var response = DescribeClusterResponse(clusterId: context.clusterID)
        guard request.endpointType == Self.brokerEndpoints else {
            response.errorCode = ErrorCode.unsupportedEndpointType.rawValue
            response.errorMessage = "Pier brokers answer for broker endpoints (1), not endpoint type \(request.endpointType)"
            response.endpointType = request.endpointType
            return response
        }
        response.controllerId = try context.cluster.controller() ?? context.nodeID
        response.brokers = try context.cluster.liveBrokers().clientAddresses(listener: listener).map { broker in
            DescribeClusterResponse.DescribeClusterBroker(brokerId: broker.id, host: broker.host, port: broker.port, rack: broker.rack)
        }
        response.clusterAuthorizedOperations = request.includeClusterAuthorizedOperations ? Self.allClusterOperations : Self.operationsNotRequested
        return response
    }
}

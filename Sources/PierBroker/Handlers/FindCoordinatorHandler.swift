import PierProtocol

/// FindCoordinator: every group (and transactional id) is coordinated by this broker while Pier
/// runs one broker per cluster; the group-to-shard mapping (GroupShards) is where a cluster will
/// pick each shard's leader instead. v4+ asks for several keys at once.
struct FindCoordinatorHandler {
    let context: BrokerContext

    func response(to request: FindCoordinatorRequest, version: Int16) async throws -> FindCoordinatorResponse {
        let registration = try await context.blocking { try context.cluster.liveBrokers()[context.nodeID] }
        var response = FindCoordinatorResponse()
        func answer(_ key: String) -> FindCoordinatorResponse.Coordinator {
            guard request.keyType == 0 || request.keyType == 1 else {
                return FindCoordinatorResponse.Coordinator(key: key, nodeId: -1, host: "", port: -1, errorCode: ErrorCode.invalidRequest.rawValue,
                                                           errorMessage: "unknown coordinator key type \(request.keyType)")
            }
            guard let registration else {
                return FindCoordinatorResponse.Coordinator(key: key, nodeId: -1, host: "", port: -1,
                                                           errorCode: ErrorCode.coordinatorNotAvailable.rawValue, errorMessage: "broker not registered")
            }
            if request.keyType == 0 && key.isEmpty {
                return FindCoordinatorResponse.Coordinator(key: key, nodeId: -1, host: "", port: -1,
                                                           errorCode: ErrorCode.invalidGroupId.rawValue, errorMessage: "empty group id")
            }
            return FindCoordinatorResponse.Coordinator(key: key, nodeId: context.nodeID, host: registration.host, port: registration.port,
                                                       errorCode: ErrorCode.noError.rawValue, errorMessage: nil)
        }
        if version >= 4 {
            response.coordinators = request.coordinatorKeys.map(answer)
        } else {
            let single = answer(request.key)
            response.errorCode = single.errorCode
            response.errorMessage = single.errorMessage
            response.nodeId = single.nodeId
            response.host = single.host
            response.port = single.port
        }
        return response
    }
}

import PierCoordination
import PierProtocol

/// FindCoordinator: a group's coordinator is the leader of its shard's `__consumer_offsets`
/// partition (created on the first request, as Kafka does); a shard without a live leader is
/// COORDINATOR_NOT_AVAILABLE, which clients retry. Transactional ids are coordinated by the broker
/// asked (transactions are not implemented). v4+ asks for several keys at once.
struct FindCoordinatorHandler {
    let context: BrokerContext

    /// `listener`: the one the request came through, whose address the coordinator is given with.
    func response(to request: FindCoordinatorRequest, version: Int16, listener: String? = nil) async throws -> FindCoordinatorResponse {
        let keys = version >= 4 ? request.coordinatorKeys : [request.key]
        let (brokers, shardLeaders) = try await context.blocking { () throws -> ([Int32: BrokerRegistration], [Int: Int32]) in
            let brokers = try context.cluster.liveBrokers()
            guard request.keyType == 0, keys.contains(where: { !$0.isEmpty }) else { return (brokers, [:]) }
            guard let view = try? context.groupShards.internalTopic(replicationFactor: context.configuration.offsetsTopicReplicationFactor, cluster: context.cluster) else {
                return (brokers, [:])  // no journal topic (too few brokers, coordination trouble): nobody coordinates yet
            }
            var leaders: [Int: Int32] = [:]
            for (partition, details) in view.partitions { leaders[Int(partition)] = details.state?.leader ?? -1 }
            return (brokers, leaders)
        }
        // A client that asks this broker about a shard it is about to coordinate (the journal topic was
        // just created, or leadership just came here) gets its answer once the shard is loaded, so its
        // first group request is not refused: Kafka's clients do not all retry LOAD_IN_PROGRESS.
        if request.keyType == 0 {
            for key in keys where !key.isEmpty && shardLeaders[context.groups.shards.shard(of: key)] == context.nodeID {
                await context.groups.waitUntilCoordinating(key, atMost: .seconds(5))
            }
        }
        var response = FindCoordinatorResponse()
        func answer(_ key: String) -> FindCoordinatorResponse.Coordinator {
            let coordinator: Int32 = request.keyType == 0
                ? shardLeaders[context.groups.shards.shard(of: key)] ?? -1
                : context.nodeID
            let address = brokers[coordinator]?.clientAddress(listener: listener)
            guard request.keyType == 0 || request.keyType == 1 else {
                return FindCoordinatorResponse.Coordinator(key: key, nodeId: -1, host: "", port: -1, errorCode: ErrorCode.invalidRequest.rawValue,
                                                           errorMessage: "unknown coordinator key type \(request.keyType)")
            }
            if request.keyType == 0 && key.isEmpty {
                return FindCoordinatorResponse.Coordinator(key: key, nodeId: -1, host: "", port: -1,
                                                           errorCode: ErrorCode.invalidGroupId.rawValue, errorMessage: "empty group id")
            }
            guard let address else {
                return FindCoordinatorResponse.Coordinator(key: key, nodeId: -1, host: "", port: -1,
                                                           errorCode: ErrorCode.coordinatorNotAvailable.rawValue,
                                                           errorMessage: coordinator < 0 ? "the group's shard has no leader"
                                                               : "broker \(coordinator) is not registered on this listener")
            }
            return FindCoordinatorResponse.Coordinator(key: key, nodeId: coordinator, host: address.host, port: address.port,
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

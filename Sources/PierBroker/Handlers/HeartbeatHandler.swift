import PierProtocol

/// Heartbeat: keeps the member's session alive and tells it when a rebalance has started.
struct HeartbeatHandler {
    let context: BrokerContext

    func response(to request: HeartbeatRequest, version: Int16) -> HeartbeatResponse {
        let error = context.groups.heartbeat(groupID: request.groupId, memberID: request.memberId, generation: request.generationId,
                                             instanceID: version >= 3 ? request.groupInstanceId : nil)
        return HeartbeatResponse(errorCode: error.rawValue)
    }
}

import PierProtocol

/// JoinGroup: waits (long-polls) until the group's join phase completes, then returns the
/// generation, the chosen protocol and, to the leader, every member's subscription.
struct JoinGroupHandler {
    let context: BrokerContext

    func response(to request: JoinGroupRequest, version: Int16, source: RequestSource) async -> JoinGroupResponse {
        guard !request.groupId.isEmpty else { return JoinGroupResponse(errorCode: ErrorCode.invalidGroupId.rawValue, memberId: request.memberId) }
        let join = ConsumerGroup.JoinRequest(
            memberID: request.memberId, groupInstanceID: version >= 5 ? request.groupInstanceId : nil,
            clientID: source.clientID, clientHost: source.clientHost,
            sessionTimeoutMilliseconds: Int64(request.sessionTimeoutMs),
            // v0 has no rebalance timeout: Kafka uses the session timeout.
            rebalanceTimeoutMilliseconds: Int64(version >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs),
            protocolType: request.protocolType,
            protocols: request.protocols.map { GroupMember.SupportedProtocol(name: $0.name, metadata: $0.metadata) },
            requiresKnownMemberID: version >= 4, supportsSkipAssignment: version >= 9
        )
        let result = await context.groups.join(groupID: request.groupId, join)
        var response = JoinGroupResponse(
            errorCode: result.error.rawValue, generationId: result.generation, protocolType: result.protocolType,
            protocolName: result.protocolName, leader: result.leaderID, skipAssignment: result.skipAssignment, memberId: result.memberID
        )
        // Before v7 the protocol name is not nullable on the wire.
        if version < 7 && response.protocolName == nil { response.protocolName = "" }
        response.members = result.members.map {
            JoinGroupResponse.JoinGroupResponseMember(memberId: $0.memberID, groupInstanceId: $0.groupInstanceID, metadata: $0.metadata)
        }
        return response
    }
}

import PierProtocol

/// LeaveGroup: one member (v0–2) or a batch of members by id or instance id (v3+).
struct LeaveGroupHandler {
    let context: BrokerContext

    func response(to request: LeaveGroupRequest, version: Int16) -> LeaveGroupResponse {
        let departures = version >= 3
            ? request.members.map { ConsumerGroup.Departure(memberID: $0.memberId, groupInstanceID: $0.groupInstanceId) }
            : [ConsumerGroup.Departure(memberID: request.memberId, groupInstanceID: nil)]
        let errors = context.groups.leave(groupID: request.groupId, departures)
        var response = LeaveGroupResponse()
        if version >= 3 {
            response.members = zip(request.members, errors).map {
                LeaveGroupResponse.MemberResponse(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, errorCode: $1.rawValue)
            }
            // The top-level error is for the request as a whole; a missing group is reported per member.
            response.errorCode = errors.allSatisfy { $0 == .coordinatorNotAvailable } && !errors.isEmpty ? ErrorCode.coordinatorNotAvailable.rawValue : 0
        } else {
            response.errorCode = errors.first?.rawValue ?? 0
        }
        return response
    }
}

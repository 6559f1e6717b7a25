import NIOCore
import PierProtocol

/// DescribeGroups: state, protocol and members; subscriptions and assignments only while Stable,
/// as Kafka reports them. An unknown group is described as Dead with no members.
struct DescribeGroupsHandler {
    let context: BrokerContext

    func response(to request: DescribeGroupsRequest, version: Int16) -> DescribeGroupsResponse {
        var response = DescribeGroupsResponse()
        response.groups = request.groups.map { groupID in
            guard !groupID.isEmpty else {
                return DescribeGroupsResponse.DescribedGroup(errorCode: ErrorCode.invalidGroupId.rawValue, groupId: groupID)
            }
            if let refusal = context.groups.refusal(for: groupID) {
                return DescribeGroupsResponse.DescribedGroup(errorCode: refusal.rawValue, groupId: groupID)
            }
            guard let group = context.groups.group(groupID) else {
                return DescribeGroupsResponse.DescribedGroup(groupId: groupID, groupState: GroupState.dead.rawValue)
            }
            let stable = group.state == .stable
            return DescribeGroupsResponse.DescribedGroup(
                groupId: groupID, groupState: group.state.rawValue, protocolType: group.protocolType ?? "",
                protocolData: stable ? group.protocolName ?? "" : "",
                members: group.orderedMembers.map { member in
                    DescribeGroupsResponse.DescribedGroupMember(
                        memberId: member.memberID, groupInstanceId: member.groupInstanceID, clientId: member.clientID, clientHost: member.clientHost,
                        memberMetadata: stable ? group.protocolName.flatMap(member.metadata(for:)) ?? ByteBuffer() : ByteBuffer(),
                        memberAssignment: stable ? member.assignment : ByteBuffer()
                    )
                }
            )
        }
        return response
    }
}

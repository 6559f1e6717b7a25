import PierProtocol

/// DeleteGroups: groups without members go, with their committed offsets.
struct DeleteGroupsHandler {
    let context: BrokerContext

    func response(to request: DeleteGroupsRequest, version: Int16) async -> DeleteGroupsResponse {
        var response = DeleteGroupsResponse()
        for groupID in request.groupsNames {
            let error: ErrorCode = groupID.isEmpty ? .invalidGroupId : await context.groups.deleteGroup(groupID)
            response.results.append(DeleteGroupsResponse.DeletableGroupResult(groupId: groupID, errorCode: error.rawValue))
        }
        return response
    }
}

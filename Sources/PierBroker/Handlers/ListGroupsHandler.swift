import PierProtocol

/// ListGroups: every group this coordinator knows, optionally filtered by state (v4+) and type (v5+).
struct ListGroupsHandler {
    let context: BrokerContext

    func response(to request: ListGroupsRequest, version: Int16) -> ListGroupsResponse {
        let states = Set(request.statesFilter.map { $0.lowercased() })
        let types = Set(request.typesFilter.map { $0.lowercased() })
        var response = ListGroupsResponse()
        response.groups = context.groups.listGroups()
            .filter { states.isEmpty || states.contains($0.state.rawValue.lowercased()) }
            .filter { _ in types.isEmpty || types.contains("classic") }
            .map { ListGroupsResponse.ListedGroup(groupId: $0.groupID, protocolType: $0.protocolType, groupState: $0.state.rawValue, groupType: "classic") }
        return response
    }
}

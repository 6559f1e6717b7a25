import NIOCore
import PierProtocol

/// SyncGroup: the leader hands in the assignment; every member waits for its own share.
struct SyncGroupHandler {
    let context: BrokerContext

    func response(to request: SyncGroupRequest, version: Int16) async -> SyncGroupResponse {
        guard !request.groupId.isEmpty else { return SyncGroupResponse(errorCode: ErrorCode.invalidGroupId.rawValue) }
        var assignments: [String: ByteBuffer] = [:]
        for entry in request.assignments { assignments[entry.memberId] = entry.assignment }
        let result = await context.groups.sync(
            groupID: request.groupId, memberID: request.memberId, generation: request.generationId,
            instanceID: version >= 3 ? request.groupInstanceId : nil,
            protocolType: version >= 5 ? request.protocolType : nil, protocolName: version >= 5 ? request.protocolName : nil,
            assignments: assignments
        )
        return SyncGroupResponse(errorCode: result.error.rawValue, protocolType: result.protocolType, protocolName: result.protocolName,
                                 assignment: result.assignment)
    }
}

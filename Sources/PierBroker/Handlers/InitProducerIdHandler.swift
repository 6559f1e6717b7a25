import PierProtocol

/// InitProducerId for idempotent producers: a new producer id at epoch 0 each time (also when a
/// client asks to bump its epoch after UNKNOWN_PRODUCER_ID, KIP-360: a fresh id serves the same
/// purpose). Transactions are not implemented: a transactional id is refused with a message.
struct InitProducerIdHandler {
    let context: BrokerContext

    func response(to request: InitProducerIdRequest, version: Int16) async throws -> InitProducerIdResponse {
        if let transactionalID = request.transactionalId, !transactionalID.isEmpty {
            context.logger.notice("transactions are not supported", metadata: ["transactionalId": "\(transactionalID)"])
            return InitProducerIdResponse(errorCode: ErrorCode.transactionalIdAuthorizationFailed.rawValue, producerId: -1, producerEpoch: -1)
        }
        let producerID = try await context.blocking { try context.producerIDs.allocate() }
        return InitProducerIdResponse(errorCode: ErrorCode.noError.rawValue, producerId: producerID, producerEpoch: 0)
    }
}

import NIOCore
import PierProtocol

/// One request as the connection hands it to its channel: the encoded body, and the promise its
/// answer completes (nil when none is expected).
struct OutgoingRequest: Sendable {
    var apiKey: ApiKey
    var apiVersion: Int16
    var body: ByteBuffer
    var response: EventLoopPromise<ResponseFrame>?
}

/// Asks the handler to give up on the connection, failing every waiter with `error`.
struct AbandonConnection: Sendable {
    var error: KafkaClientError
}

/// Does the I/O for `RequestPipeline`: writes each request as a frame behind a header carrying the
/// correlation id the pipeline hands out, and completes waiters as the pipeline matches responses.
final class KafkaClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = OutgoingRequest
    typealias OutboundOut = ByteBuffer

    private var pipeline = RequestPipeline<EventLoopPromise<ResponseFrame>>()
    private let clientID: String

    init(clientID: String) {
        self.clientID = clientID
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        switch pipeline.sendRequested(apiKey: request.apiKey, apiVersion: request.apiVersion, waiter: request.response) {
        case .fail(let error):
            request.response?.fail(error)
            promise?.fail(error)
        case .write(let correlationID):
            let header = RequestHeader(requestApiKey: request.apiKey.rawValue, requestApiVersion: request.apiVersion,
                                       correlationId: correlationID, clientId: clientID)
            var prefix = context.channel.allocator.buffer(capacity: 64)
            prefix.writeInteger(Int32(0))
            do {
                try header.encode(into: &prefix, version: request.apiKey.requestHeaderVersion(for: request.apiVersion))
            } catch {
                // A header has no version-dependent fields that could be rejected; should one ever
                // be, the stream already holds this request's id, so the connection cannot go on.
                abandon(context: context, because: .encoding("\(error)"))
                promise?.fail(error)
                return
            }
            // The size prefix covers header and body; the body is written as its own buffer, not copied.
            prefix.setInteger(Int32(prefix.readableBytes - 4 + request.body.readableBytes), at: prefix.readerIndex)
            context.write(wrapOutboundOut(prefix), promise: nil)
            context.write(wrapOutboundOut(request.body), promise: promise)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch pipeline.frameReceived(unwrapInboundIn(data)) {
        case .deliver(let waiter, let response):
            waiter.succeed(response)
        case .closeConnection(let error, let waiters):
            waiters.forEach { $0.fail(error) }
            context.close(promise: nil)
        case .ignore:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pipeline.closed(because: .connectionClosed).forEach { $0.fail(KafkaClientError.connectionClosed) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason: KafkaClientError = (error as? KafkaClientError) ?? .protocolViolation("\(error)")
        abandon(context: context, because: error is IOError ? .connectionClosed : reason)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let abandonment = event as? AbandonConnection else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        abandon(context: context, because: abandonment.error)
        promise?.succeed()
    }

    private func abandon(context: ChannelHandlerContext, because error: KafkaClientError) {
        pipeline.closed(because: error).forEach { $0.fail(error) }
        context.close(promise: nil)
    }
}

import Logging
import NIOCore

/// One client connection: frames in, responses out in request order. A frame the broker cannot
/// answer closes this connection only; everyone else is served on.
final class KafkaConnectionHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let router: RequestRouter
    private let logger: Logger

    init(router: RequestRouter, logger: Logger) {
        self.router = router
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        switch router.handle(frame: frame) {
        case .respond(let response):
            context.writeAndFlush(Self.wrapOutboundOut(response), promise: nil)
        case .close(let reason):
            logger.warning("closing connection", metadata: ["peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")", "reason": "\(reason)"])
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Oversized or negative frame sizes arrive here from the frame decoder.
        logger.warning("closing connection", metadata: ["peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")", "error": "\(error)"])
        context.close(promise: nil)
    }
}

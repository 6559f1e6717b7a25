import Logging
import NIOCore
import NIOSSL
import NIOTLS
import PierProtocol
import PierSecurity

/// One client connection: frames in, responses out in request order, one request handled at a
/// time (see `RequestQueue`). A frame the broker cannot answer closes this connection only;
/// everyone else is served on.
final class KafkaConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let router: RequestRouter
    private let inFlight: InFlightRequests
    private let logger: Logger
    /// The listener this connection came through: clients are told that listener's addresses.
    private let listener: Listener
    /// Who the client is: its TLS certificate's subject once the handshake has checked it, else anonymous.
    private var principal = KafkaPrincipal.anonymous
    /// On a SASL listener: the connection's SASL conversation, and what answers its SASL requests.
    private var sasl: SASLServerSession?
    private let authentication: SASLRequestHandler?
    private var queue: RequestQueue
    /// A read the channel asked for while the queue was full; issued once it drains.
    private var readPending = false
    private var isClosing = false
    private var closed = false

    init(router: RequestRouter, inFlight: InFlightRequests, maximumWaitingRequests: Int = 16, listener: Listener,
         sasl: (session: SASLServerSession, handler: SASLRequestHandler)? = nil, logger: Logger) {
        self.router = router
        self.sasl = sasl?.session
        self.authentication = sasl?.handler
        self.listener = listener
        self.inFlight = inFlight
        self.logger = logger
        self.queue = RequestQueue(maximumWaiting: maximumWaitingRequests)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !isClosing else { return }
        if let frame = queue.received(Self.unwrapInboundIn(data)) {
            handle(frame, context: context)
        }
    }

    func read(context: ChannelHandlerContext) {
        if queue.acceptsMoreRequests {
            context.read()
        } else {
            readPending = true
        }
    }

    private func handle(_ frame: ByteBuffer, context: ChannelHandlerContext) {
        // A stopping broker answers what it has begun and nothing more: a client whose next request
        // finds the connection closed looks for another broker at once, and the stop's drain is not
        // kept going by followers' and consumers' long-polls that would never stop coming.
        guard inFlight.isAccepting else {
            close(context: context, reason: "the broker is stopping", level: .debug)
            return
        }
        let router = router
        let inFlight = inFlight
        let eventLoop = context.eventLoop
        let peer = context.remoteAddress?.ipAddress.map { "/" + $0 } ?? ""
        let listenerName = listener.name
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: eventLoop)
        // A frame too short for its API key is the router's to refuse; it is counted all the same.
        let apiKey = frame.getInteger(at: frame.readerIndex, as: Int16.self) ?? -1
        if let session = sasl, let authentication {
            // Until the client has authenticated only ApiVersions and the SASL requests are served,
            // and an exchange in progress admits SaslAuthenticate alone, as Kafka's broker does.
            switch session.admit(isApiVersions: apiKey == ApiKey.apiVersions.rawValue,
                                 isSASL: apiKey == ApiKey.saslHandshake.rawValue || apiKey == ApiKey.saslAuthenticate.rawValue) {
            case .route:
                break
            case .refuse(let reason):
                close(context: context, reason: reason)
                return
            case .authenticate:
                inFlight.started(apiKey: apiKey)
                Task {
                    let result = await authentication.handle(frame: frame, session: session, peer: peer, listener: listenerName)
                    eventLoop.execute {
                        bound.value.handler.saslFinished(result, context: bound.value.context)
                        inFlight.finished(apiKey: apiKey)
                    }
                }
                return
            }
        }
        inFlight.started(apiKey: apiKey)
        Task {
            let outcome = await router.handle(frame: frame, peer: peer, listener: listenerName)
            eventLoop.execute {
                bound.value.handler.finished(outcome, context: bound.value.context)
                inFlight.finished(apiKey: apiKey)
            }
        }
    }

    /// A SASL request's answer: the session moves on; after a failure the answer is written and the
    /// connection closed once it is out, as Kafka does.
    private func saslFinished(_ result: SASLRequestHandler.Result, context: ChannelHandlerContext) {
        sasl = result.session
        if let identified = result.session.principal { principal = identified }
        guard result.closeAfterResponse, case .respond(let response) = result.outcome else {
            finished(result.outcome, context: context)
            return
        }
        isClosing = true
        queue.discardWaiting()
        _ = queue.finished()
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        context.writeAndFlush(Self.wrapOutboundOut(response)).whenComplete { _ in
            bound.value.handler.close(context: bound.value.context, reason: "SASL authentication failed", level: .info)
        }
    }

    private func finished(_ outcome: RequestOutcome, context: ChannelHandlerContext) {
        switch outcome {
        case .respond(let response):
            context.writeAndFlush(Self.wrapOutboundOut(response), promise: nil)
        case .noResponse:
            break
        case .close(let reason):
            close(context: context, reason: reason)
        }
        if !isClosing, let next = queue.finished() {
            handle(next, context: context)
        } else if isClosing {
            _ = queue.finished()
        }
        if readPending && queue.acceptsMoreRequests {
            readPending = false
            context.read()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // connections.max.idle.ms: a connection with nothing to do for that long is closed, as Kafka does.
        if event is IdleStateHandler.IdleStateEvent {
            if queue.isIdle { close(context: context, reason: "idle for connections.max.idle.ms") }
            return
        }
        if case TLSUserEvent.handshakeCompleted(let negotiated) = event {
            // The certificate was checked against the trust store in the handshake (when asked for).
            if let certificate = try? context.pipeline.syncOperations.nioSSL_peerCertificate(),
               let der = try? certificate.toDERBytes(), let identified = CertificatePrincipal.principal(certificateDER: der) {
                principal = identified
            }
            logger.debug("tls handshake completed", metadata: [
                "peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")", "listener": "\(listener.name)", "principal": "\(principal)",
                "alpn": "\(negotiated ?? "")",
            ])
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Oversized or negative frame sizes arrive here from the frame decoder.
        close(context: context, reason: "\(error)")
    }

    private func close(context: ChannelHandlerContext, reason: String, level: Logger.Level = .warning) {
        guard !isClosing || !closed else { return }
        isClosing = true
        closed = true
        queue.discardWaiting()
        logger.log(level: level, "closing connection", metadata: ["peer": "\(context.remoteAddress.map { "\($0)" } ?? "?")", "reason": "\(reason)"])
        context.close(promise: nil)
    }
}

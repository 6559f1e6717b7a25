import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The admin HTTP listener (`pier serve --admin-listen`): one request per connection, answered by
/// `AdminEndpoints`. Closing after each answer keeps shutdown simple: no keep-alive connection can
/// hold the server open, and scrapers reconnect cheaply. A connection that sends nothing for
/// `idleTimeout` is closed, and closing the server ends the connections still open.
public final class AdminServer: Sendable {
    public let host: String
    /// Where the listener actually bound (port 0 picks a free one).
    public let boundPort: Int
    private let channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    private let endpoints: AdminEndpoints
    private let logger: Logger

    private init(host: String, boundPort: Int, channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>,
                 endpoints: AdminEndpoints, logger: Logger) {
        self.host = host
        self.boundPort = boundPort
        self.channel = channel
        self.endpoints = endpoints
        self.logger = logger
    }

    public static let idleTimeout = TimeAmount.seconds(30)

    public static func bind(host: String, port: Int, endpoints: AdminEndpoints, logger: Logger,
                            idleTimeout: TimeAmount = AdminServer.idleTimeout,
                            group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> AdminServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port) { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                    try child.pipeline.syncOperations.addHandler(CloseWhenIdle())
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: child)
                }
            }
        let bound = channel.channel.localAddress?.port ?? port
        return AdminServer(host: host, boundPort: bound, channel: channel, endpoints: endpoints, logger: logger)
    }

    /// Serves until `close()`.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            try await channel.executeThenClose { connections in
                for try await connection in connections {
                    group.addTask { await self.serve(connection) }
                }
            }
            // The listener is closed: a client still connected gets no answer rather than holding the stop.
            group.cancelAll()
        }
    }

    public func close() async {
        try? await channel.channel.close()
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var request: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case .head(let head): request = head
                    case .body: continue
                    case .end:
                        guard let head = request else { return }
                        let response = await endpoints.response(method: head.method.rawValue, path: head.uri)
                        try await write(response, to: outbound, version: head.version, includingBody: head.method != .HEAD)
                        return
                    }
                }
            }
        } catch {
            logger.debug("admin connection failed", metadata: ["error": "\(error)"])
        }
    }

    private func write(_ response: AdminEndpoints.Response, to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
                       version: HTTPVersion, includingBody: Bool) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Connection", value: "close")
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        try await outbound.write(.head(head))
        if includingBody { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body)))) }
        try await outbound.write(.end(nil))
    }
}

/// Closes a connection that has sent nothing for the idle timeout (a stalled or idle client).
private final class CloseWhenIdle: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}

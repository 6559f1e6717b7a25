import Foundation
import NIOCore
import NIOPosix
import PierProtocol

/// One TCP connection to a Kafka broker that sends requests and awaits their answers. Any number
/// of requests may be in flight at once (pipelining); the broker answers them in order and
/// `RequestPipeline` matches each answer to its request by correlation id. Connecting negotiates
/// versions with ApiVersions; `send` then uses the highest version both sides speak.
public final class KafkaConnection: Sendable {
    /// HOST:PORT as given to `connect`.
    public let address: String
    public let versions: ApiVersionTable
    public let requestTimeout: TimeAmount
    private let channel: any Channel

    private init(address: String, versions: ApiVersionTable, requestTimeout: TimeAmount, channel: any Channel) {
        self.address = address
        self.versions = versions
        self.requestTimeout = requestTimeout
        self.channel = channel
    }

    /// Connects and negotiates versions. Throws `KafkaClientError` (`.unreachable` when no
    /// connection can be made).
    public static func connect(
        host: String,
        port: Int,
        clientID: String = "pier-client",
        requestTimeout: TimeAmount = .seconds(30),
        connectTimeout: TimeAmount = .seconds(10),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> KafkaConnection {
        let address = "\(host):\(port)"
        let bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(KafkaClientHandler(clientID: clientID))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            throw KafkaClientError.unreachable(address: address, reason: Self.reason(error, connectTimeout: connectTimeout))
        }
        do {
            let versions = try await negotiateVersions(on: channel, requestTimeout: requestTimeout)
            return KafkaConnection(address: address, versions: versions, requestTimeout: requestTimeout, channel: channel)
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Sends `request` at the highest version both sides speak and awaits the answer.
    public func send<Request: KafkaRequest>(_ request: Request) async throws -> Request.Response {
        try await send(request, version: try versions.version(for: Request.apiKey))
    }

    /// Sends `request` at `version` and awaits the answer.
    public func send<Request: KafkaRequest>(_ request: Request, version: Int16) async throws -> Request.Response {
        try await start(request, version: version).value
    }

    /// Writes `request` at `version` now and returns the answer to await later. Requests started
    /// one after another from one task go on the wire in that order, so a caller can keep several
    /// in flight and still know their order (Produce appends to a partition in arrival order).
    public func start<Request: KafkaRequest>(_ request: Request, version: Int16) throws -> PendingResponse<Request.Response> {
        let body = try Self.encode(request, version: version, allocator: channel.allocator)
        let frame = Self.exchange(on: channel, apiKey: Request.apiKey, version: version, body: body, requestTimeout: requestTimeout)
        return PendingResponse(frame.flatMapThrowing { try Self.decode(Request.Response.self, from: $0) })
    }

    /// Writes a request the broker does not answer (Produce with acks=0); the returned value is
    /// there once the request is written.
    public func startWithoutResponse<Request: KafkaRequest>(_ request: Request, version: Int16) throws -> PendingResponse<Void> {
        let body = try Self.encode(request, version: version, allocator: channel.allocator)
        return PendingResponse(channel.writeAndFlush(OutgoingRequest(apiKey: Request.apiKey, apiVersion: version, body: body, response: nil)))
    }

    public func close() async {
        try? await channel.close()
    }

    // MARK: Exchanges

    private static func exchange(on channel: any Channel, apiKey: ApiKey, version: Int16, body: ByteBuffer,
                                 requestTimeout: TimeAmount) -> EventLoopFuture<ResponseFrame> {
        let response = channel.eventLoop.makePromise(of: ResponseFrame.self)
        // A broker that stops answering leaves the stream unusable: give up on the whole connection.
        let timeout = channel.eventLoop.scheduleTask(in: requestTimeout) {
            channel.triggerUserOutboundEvent(AbandonConnection(error: .requestTimedOut(apiKey)), promise: nil)
            // A closed channel has no handler left to fail the answer (a second failure is ignored).
            response.fail(KafkaClientError.requestTimedOut(apiKey))
        }
        // Runs on the event loop as the answer lands, so the timer never fires for an answered request.
        response.futureResult.whenComplete { _ in timeout.cancel() }
        // A write on a connection already closed never reaches the handler that would answer it:
        // without this its caller would wait forever (the timer above only abandons the connection).
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { error in response.fail(error as? KafkaClientError ?? KafkaClientError.connectionClosed) }
        channel.writeAndFlush(OutgoingRequest(apiKey: apiKey, apiVersion: version, body: body, response: response), promise: written)
        return response.futureResult
    }

    private static func encode<Message: KafkaMessage>(_ message: Message, version: Int16, allocator: ByteBufferAllocator) throws -> ByteBuffer {
        var body = allocator.buffer(capacity: 256)
        do {
            try message.encode(into: &body, version: version)
        } catch {
            throw KafkaClientError.encoding("\(Message.messageName) v\(version): \(error)")
        }
        return body
    }

    private static func decode<Response: KafkaResponse>(_ type: Response.Type, from frame: ResponseFrame) throws -> Response {
        var body = frame.body
        do {
            return try Response(from: &body, version: frame.apiVersion)
        } catch {
            throw KafkaClientError.protocolViolation("the \(frame.apiKey) v\(frame.apiVersion) response is malformed: \(error)")
        }
    }

    /// ApiVersions at the newest version this client speaks; a broker that does not speak it answers
    /// UNSUPPORTED_VERSION in a v0 body listing its versions, and the request is repeated at the
    /// highest version it does speak.
    private static func negotiateVersions(on channel: any Channel, requestTimeout: TimeAmount) async throws -> ApiVersionTable {
        var version = ApiVersionTable.clientVersions[.apiVersions]!.upperBound
        while true {
            let request = ApiVersionsRequest(clientSoftwareName: "pier-client", clientSoftwareVersion: "1.0")
            let frame = try await PendingResponse(exchange(on: channel, apiKey: .apiVersions, version: version,
                                                           body: try encode(request, version: version, allocator: channel.allocator),
                                                           requestTimeout: requestTimeout)).value
            // The error code leads the body at every version, so it can be read before the version is known.
            let errorCode = frame.body.getInteger(at: frame.body.readerIndex, as: Int16.self)
            if errorCode == ErrorCode.unsupportedVersion.rawValue {
                var v0 = frame
                v0.apiVersion = 0
                let table = ApiVersionTable(try decode(ApiVersionsResponse.self, from: v0))
                let fallback = try table.version(for: .apiVersions)
                guard fallback < version else { throw KafkaClientError.unsupportedApi(.apiVersions) }
                version = fallback
                continue
            }
            let response = try decode(ApiVersionsResponse.self, from: frame)
            if let code = ErrorCode(rawValue: response.errorCode), code != .noError {
                throw KafkaClientError.broker(code, context: "ApiVersions")
            }
            return ApiVersionTable(response)
        }
    }

    private static func reason(_ error: any Error, connectTimeout: TimeAmount) -> String {
        if let failure = error as? NIOConnectionError {
            if let single = failure.connectionErrors.first?.error { return reason(single, connectTimeout: connectTimeout) }
            if let resolution = failure.dnsAAAAError ?? failure.dnsAError { return "cannot resolve \(failure.host): \(resolution)" }
        }
        if let ioError = error as? IOError { return String(cString: strerror(ioError.errnoCode)).lowercased() }
        if case ChannelError.connectTimeout = error { return "no answer within \(connectTimeout.nanoseconds / 1_000_000) ms" }
        return "\(error)"
    }
}

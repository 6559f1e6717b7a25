import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PierProtocol
import PierSecurity

/// A listener with the port it bound and its server channel.
struct BoundListener: Sendable {
    var listener: Listener
    var port: Int
    var channel: any Channel
}

extension Broker {
    /// Binds every configured listener, in order. A TLS listener's connections start with the TLS
    /// handshake; its context is made first, so a bad key or certificate file stops the start.
    /// If one listener cannot bind, the ones already bound are closed again.
    static func bindListeners(configuration: BrokerConfiguration, group: MultiThreadedEventLoopGroup, router: RequestRouter,
                              inFlight: InFlightRequests, logger: Logger) async throws -> [BoundListener] {
        // SCRAM and PLAIN logins are checked against credentials.db in the data directory (`pier user add`).
        let credentials = try configuration.sasl.isEmpty ? nil : CredentialStore(dataDirectory: configuration.dataDirectory)
        let authentication = SASLRequestHandler(router: router, credentials: credentials,
                                                failures: FailedAuthentications(baseDelayMilliseconds: configuration.failedAuthenticationDelayMilliseconds))
        var bound: [BoundListener] = []
        do {
            for listener in configuration.listeners {
                let tls = try configuration.tls[listener.name].map { settings in
                    do { return try settings.makeServerContext() } catch {
                        throw ListenerUnusable(listener: listener.name, reason: "\(error)")
                    }
                }
                let channel = try await bind(listener, tls: tls, configuration: configuration, group: group, router: router,
                                             authentication: authentication, inFlight: inFlight, logger: logger)
                bound.append(BoundListener(listener: listener, port: channel.localAddress?.port ?? listener.port, channel: channel))
            }
        } catch {
            for listener in bound { try? await listener.channel.close() }
            throw error
        }
        return bound
    }

    struct ListenerUnusable: Error, CustomStringConvertible {
        var listener: String
        var reason: String
        var description: String { "listener \(listener): \(reason)" }
    }

    private static func bind(_ listener: Listener, tls: NIOSSLContext?, configuration: BrokerConfiguration, group: MultiThreadedEventLoopGroup,
                             router: RequestRouter, authentication: SASLRequestHandler, inFlight: InFlightRequests,
                             logger: Logger) async throws -> any Channel {
        let maximumRequestBytes = configuration.maximumRequestBytes
        let idleTimeout = TimeAmount.milliseconds(configuration.connectionsMaxIdleMilliseconds)
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    try pipeline.addHandler(IdleStateHandler(allTimeout: idleTimeout))
                    try pipeline.addHandler(ByteToMessageHandler(KafkaFrameDecoder(maximumFrameSize: maximumRequestBytes)))
                    let sasl = configuration.sasl[listener.name].map { SASLServerSession(enabledMechanisms: $0.enabledMechanisms) }
                    try pipeline.addHandler(KafkaConnectionHandler(router: router, inFlight: inFlight, listener: listener,
                                                                   sasl: sasl.map { ($0, authentication) }, logger: logger))
                }
            }
            .bind(host: listener.host, port: listener.port)
            .get()
    }
}

import ServiceLifecycle

/// The admin listener as a swift-service-lifecycle service. Listed before the broker in a service
/// group, it stops after the broker (services stop in reverse order), so `/ready` answers 503
/// while the broker drains instead of the port going dark at once.
public struct AdminService: Service {
    public let server: AdminServer

    public init(server: AdminServer) {
        self.server = server
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.run()
        } onGracefulShutdown: {
            Task { await server.close() }
        }
    }
}

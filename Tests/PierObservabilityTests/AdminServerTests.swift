import Logging
import NIOCore
import NIOPosix
import PierObservability
import Testing

@Suite struct AdminServerTests {
    private let endpoints = AdminEndpoints(metrics: { Array("up 1\n".utf8) }, isReady: { true })

    /// A client that connects and says nothing must not keep a stopping broker's admin listener open.
    /// The idle timeout is set far beyond the wait, so only the close can end the server in time; the
    /// wait is long because other tests' blocking waits can hold the cooperative pool for seconds.
    @Test func closingEndsTheServerWhileAnIdleClientIsConnected() async throws {
        let server = try await AdminServer.bind(host: "127.0.0.1", port: 0, endpoints: endpoints, logger: Logger(label: "test"),
                                                idleTimeout: .minutes(10))
        #expect(server.boundPort > 0)
        let running = Task { try await server.run() }
        let idle = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: server.boundPort).get()
        defer { idle.close(promise: nil) }
        try await Task.sleep(for: .milliseconds(100))
        await server.close()
        let finishedFirst = await withTaskGroup(of: String.self) { group in
            group.addTask { _ = try? await running.value; return "server" }
            group.addTask { try? await Task.sleep(for: .seconds(60)); return "timeout" }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
        #expect(finishedFirst == "server")
    }
}

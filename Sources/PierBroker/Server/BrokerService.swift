import ServiceLifecycle

/// The broker as a swift-service-lifecycle service: it runs until the listener closes, and a
/// graceful shutdown of its service group stops it cleanly (drain, close logs, deregister).
public struct BrokerService: Service {
    public let broker: Broker

    public init(broker: Broker) {
        self.broker = broker
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await broker.waitUntilClosed()
            // The listener is closed; let the stop finish ending the session and the event loops.
            await broker.shutdown()
        } onGracefulShutdown: {
            Task { await broker.shutdown() }
        }
    }
}

extension Broker {
    /// The services a `pier serve` process runs: the broker itself and its background work.
    public var services: [any Service] {
        [
            BrokerService(broker: self),
            RetentionService(context: context, interval: .milliseconds(context.configuration.retentionCheckIntervalMilliseconds)),
            OffsetExpiryService(context: context),
        ]
    }
}

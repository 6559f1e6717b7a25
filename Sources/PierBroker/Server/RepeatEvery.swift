import ServiceLifecycle

/// The loop of the broker's background services (retention, offset expiry): `pass` every
/// `interval` until the service group shuts down or the task is cancelled.
func repeatEvery(_ interval: Duration, _ pass: () async -> Void) async {
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
        do {
            // A graceful shutdown must not wait out the interval.
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        } catch {
            return  // cancelled: the broker is stopping
        }
        if Task.isShuttingDownGracefully { return }
        await pass()
    }
}

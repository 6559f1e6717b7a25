import Synchronization

/// Counts requests being handled across all connections, so a graceful shutdown can wait for
/// them to be answered before closing the logs they write to.
final class InFlightRequests: Sendable {
    private let current = Mutex(0)

    init() {}

    var count: Int { current.withLock { $0 } }

    func started() {
        current.withLock { $0 += 1 }
    }

    func finished() {
        current.withLock { $0 -= 1 }
    }

    /// Returns once no request is in flight, or after `timeout` (a long-poll must not hold a shutdown forever).
    /// Polls: shutdown happens once, and a few milliseconds of latency there cost nothing.
    func drained(timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while count > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}

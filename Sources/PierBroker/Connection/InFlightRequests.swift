import Synchronization

/// Counts requests being handled across all connections, by API key, so a graceful shutdown can
/// wait for them to be answered before closing the logs they write to, and name those it gave up on.
final class InFlightRequests: Sendable {
    private let current = Mutex<[Int16: Int]>([:])
    private let accepting = Atomic<Bool>(true)

    init() {}

    /// False once the broker stops: connections take no new request (see `stopAccepting`).
    var isAccepting: Bool { accepting.load(ordering: .acquiring) }

    /// From now on connections close instead of handling another request; those in flight finish.
    func stopAccepting() {
        accepting.store(false, ordering: .releasing)
    }

    var count: Int { current.withLock { $0.values.reduce(0, +) } }

    func started(apiKey: Int16) {
        current.withLock { $0[apiKey, default: 0] += 1 }
    }

    func finished(apiKey: Int16) {
        current.withLock { counts in
            counts[apiKey, default: 0] -= 1
            if counts[apiKey] == 0 { counts[apiKey] = nil }
        }
    }

    /// Returns once no request is in flight, or after `timeout` (a long-poll must not hold a shutdown
    /// forever), with the requests still in flight by API key (empty when all were answered).
    /// Polls: shutdown happens once, and a few milliseconds of latency there cost nothing.
    @discardableResult
    func drained(timeout: Duration) async -> [Int16: Int] {
        let deadline = ContinuousClock.now + timeout
        while count > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return current.withLock { $0 }
    }
}

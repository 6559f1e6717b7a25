import Foundation
import Synchronization

/// Failed authentications per client address, to slow guessing: each failure's answer waits
/// `connection.failed.authentication.delay.ms` times the failures from that address in the last
/// minute (at most `maximumDelay`), so a burst of wrong passwords from one address is slowed ever
/// more while other clients are not delayed at all.
final class FailedAuthentications: Sendable {
    private let baseDelay: Duration
    private let maximumDelay: Duration
    private let window: Duration
    private let recent = Mutex<[String: [ContinuousClock.Instant]]>([:])

    init(baseDelayMilliseconds: Int64, maximumDelay: Duration = .seconds(5), window: Duration = .seconds(60)) {
        baseDelay = .milliseconds(baseDelayMilliseconds)
        self.maximumDelay = maximumDelay
        self.window = window
    }

    /// Records a failure from `address` and returns how long to wait before answering it.
    func failed(from address: String, at now: ContinuousClock.Instant = .now) -> Duration {
        let count = recent.withLock { recent in
            // Forget addresses whose failures are all old, so the table stays small.
            if recent.count > 10_000 { recent = recent.filter { $0.value.last.map { now - $0 < window } ?? false } }
            var times = recent[address, default: []].filter { now - $0 < window }
            times.append(now)
            recent[address] = times
            return times.count
        }
        return min(baseDelay * count, maximumDelay)
    }
}

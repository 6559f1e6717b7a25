import Foundation
import PierCoordination
import Synchronization

/// Collects events a store delivers on its callback queue; tests wait (bounded) for what they expect.
final class Recorder<Event: Sendable>: Sendable {
    private let events = Mutex<[Event]>([])

    func record(_ event: Event) { events.withLock { $0.append(event) } }

    var recorded: [Event] { events.withLock { $0 } }

    /// Waits until `satisfied` holds for the events so far, at most `timeoutSeconds`, and returns them.
    @discardableResult
    func wait(timeoutSeconds: Double = 20, until satisfied: ([Event]) -> Bool) async -> [Event] {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while !satisfied(recorded), Date() < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return recorded
    }

    func wait(for count: Int, timeoutSeconds: Double = 20) async -> [Event] {
        await wait(timeoutSeconds: timeoutSeconds) { $0.count >= count }
    }
}

extension Recorder where Event == WatchedEvent {
    var handler: WatchHandler { { event in self.record(event) } }
}

extension Recorder where Event == SessionEvent {
    var handler: SessionEventHandler { { event in self.record(event) } }
}

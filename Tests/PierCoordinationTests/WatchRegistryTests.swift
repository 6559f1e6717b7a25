@testable import PierCoordination
import Synchronization
import Testing

@Suite struct WatchRegistryTests {
    final class Recorder: Sendable {
        let events = Mutex<[String]>([])
        func handler(_ label: String) -> WatchHandler {
            { event in self.events.withLock { $0.append("\(label):\(event.kind.rawValue):\(event.path)") } }
        }
    }

    static let firingTable: [(WatchRegistry.Interest, WatchedEvent.Kind, Bool)] = [
        (.data, .created, false), (.data, .deleted, true), (.data, .dataChanged, true), (.data, .childrenChanged, false),
        (.existence, .created, true), (.existence, .deleted, true), (.existence, .dataChanged, true), (.existence, .childrenChanged, false),
        (.children, .created, false), (.children, .deleted, true), (.children, .dataChanged, false), (.children, .childrenChanged, true),
    ]

    @Test(arguments: firingTable)
    func interestFiresOnExactlyZooKeepersEvents(interest: WatchRegistry.Interest, kind: WatchedEvent.Kind, fires: Bool) {
        var registry = WatchRegistry()
        registry.add(.init(interest: interest, afterSequence: 0, handler: { _ in }), on: "/a")
        let fired = registry.fire(.init(sequence: 1, event: WatchedEvent(kind: kind, path: "/a")))
        #expect(fired.count == (fires ? 1 : 0))
        #expect(registry.count == (fires ? 0 : 1))
    }

    @Test func watchFiresOnceThenIsGone() {
        var registry = WatchRegistry()
        registry.add(.init(interest: .data, afterSequence: 0, handler: { _ in }), on: "/a")
        #expect(registry.fire(.init(sequence: 1, event: .init(kind: .dataChanged, path: "/a"))).count == 1)
        #expect(registry.fire(.init(sequence: 2, event: .init(kind: .dataChanged, path: "/a"))).isEmpty)
    }

    @Test func changesTheWatcherAlreadySawDoNotFire() {
        var registry = WatchRegistry()
        registry.add(.init(interest: .data, afterSequence: 10, handler: { _ in }), on: "/a")
        #expect(registry.fire(.init(sequence: 10, event: .init(kind: .dataChanged, path: "/a"))).isEmpty)
        #expect(registry.fire(.init(sequence: 11, event: .init(kind: .dataChanged, path: "/a"))).count == 1)
    }

    @Test func otherPathsAreUntouched() {
        var registry = WatchRegistry()
        registry.add(.init(interest: .data, afterSequence: 0, handler: { _ in }), on: "/a")
        registry.add(.init(interest: .children, afterSequence: 0, handler: { _ in }), on: "/a")
        #expect(registry.fire(.init(sequence: 1, event: .init(kind: .dataChanged, path: "/a/b"))).isEmpty)
        #expect(registry.fire(.init(sequence: 2, event: .init(kind: .deleted, path: "/a"))).count == 2)
        #expect(registry.count == 0)
    }
}

/// One-shot watches by path, and which of them a change fires: a plain value type, tested without a database.
///
/// ZooKeeper's rules: a data watch (set by getData) fires on data change or deletion; an existence
/// watch (set by exists) also fires on creation; a child watch (set by getChildren) fires when a
/// child comes or goes, or the node itself is deleted. Each fires once and is gone.
struct WatchRegistry {
    enum Interest: Sendable {
        case data
        case existence
        case children

        func isFired(by kind: WatchedEvent.Kind) -> Bool {
            switch (self, kind) {
            case (.data, .dataChanged), (.data, .deleted): true
            case (.existence, .created), (.existence, .dataChanged), (.existence, .deleted): true
            case (.children, .childrenChanged), (.children, .deleted): true
            default: false
            }
        }
    }

    struct Watch {
        var interest: Interest
        /// The change-feed position the watcher's read saw; only later changes fire the watch.
        var afterSequence: Int64
        var handler: WatchHandler
    }

    struct Change: Sendable, Equatable {
        var sequence: Int64
        var event: WatchedEvent
    }

    private var watchesByPath: [String: [Watch]] = [:]

    var count: Int { watchesByPath.values.reduce(0) { $0 + $1.count } }

    mutating func add(_ watch: Watch, on path: String) {
        watchesByPath[path, default: []].append(watch)
    }

    /// Removes the watches `change` fires and returns their handlers, in registration order.
    mutating func fire(_ change: Change) -> [WatchHandler] {
        guard var watches = watchesByPath[change.event.path] else { return [] }
        var fired: [WatchHandler] = []
        watches.removeAll { watch in
            guard change.sequence > watch.afterSequence, watch.interest.isFired(by: change.event.kind) else { return false }
            fired.append(watch.handler)
            return true
        }
        watchesByPath[change.event.path] = watches.isEmpty ? nil : watches
        return fired
    }
}

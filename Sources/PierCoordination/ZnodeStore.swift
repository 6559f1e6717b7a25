/// A ZooKeeper-style namespace: hierarchical znodes with data, versions, ephemeral and sequential
/// nodes, multi-op transactions, sessions and one-shot watches.
///
/// `SQLiteZnodeStore` keeps it in a SQLite database that several broker processes on one host may
/// share; `ZooKeeperZnodeStore` (module PierZooKeeper) keeps it in an Apache ZooKeeper ensemble.
/// Calls block until the store answers (a network round trip for ZooKeeper): callers make them off
/// event loops and off Swift's cooperative pool.
public protocol ZnodeStore: Sendable {
    /// Creates a znode and returns its actual path (sequential nodes get a 10-digit suffix).
    /// Ephemeral modes need `session`; the node goes when the session closes or expires.
    @discardableResult
    func create(_ path: String, data: [UInt8], mode: CreateMode, session: SessionID?) throws(ZnodeError) -> String

    /// Deletes a childless znode; `version` nil means any version.
    func delete(_ path: String, version: Int32?) throws(ZnodeError)

    /// Replaces a znode's data when its version matches (`version` nil means any) and returns the new stat.
    @discardableResult
    func setData(_ path: String, data: [UInt8], version: Int32?) throws(ZnodeError) -> ZnodeStat

    /// Reads data and stat; `watch` fires once on the next data change or deletion.
    func getData(_ path: String, watch: WatchHandler?) throws(ZnodeError) -> (data: [UInt8], stat: ZnodeStat)

    /// Stat of a znode, nil when absent; `watch` fires once on its creation, data change or deletion.
    func exists(_ path: String, watch: WatchHandler?) throws(ZnodeError) -> ZnodeStat?

    /// Names (not paths) of the children, sorted; `watch` fires once when a child comes or goes, or the node is deleted.
    func getChildren(_ path: String, watch: WatchHandler?) throws(ZnodeError) -> [String]

    /// Runs the operations atomically: all take effect, or none and the error names the first that failed.
    func multi(_ operations: [ZnodeOperation]) throws(ZnodeError) -> [ZnodeOperationResult]

    /// Opens a session that owns ephemeral nodes until it is closed or misses heartbeats for `timeoutMilliseconds`.
    func openSession(timeoutMilliseconds: Int64, description: String) throws(ZnodeError) -> SessionID
    func heartbeat(_ session: SessionID) throws(ZnodeError)
    /// Closes the session and deletes its ephemeral nodes.
    func closeSession(_ session: SessionID) throws(ZnodeError)

    /// Calls `handler` for every later connection and session event, on the watch-callback queue.
    func observeSessions(_ handler: @escaping @Sendable (SessionEvent) -> Void)
}

extension ZnodeStore {
    public func getData(_ path: String) throws(ZnodeError) -> (data: [UInt8], stat: ZnodeStat) {
        try getData(path, watch: nil)
    }

    public func exists(_ path: String) throws(ZnodeError) -> ZnodeStat? {
        try exists(path, watch: nil)
    }

    public func getChildren(_ path: String) throws(ZnodeError) -> [String] {
        try getChildren(path, watch: nil)
    }

    @discardableResult
    public func create(_ path: String, data: [UInt8] = [], mode: CreateMode = .persistent) throws(ZnodeError) -> String {
        try create(path, data: data, mode: mode, session: nil)
    }

    /// Creates `path` and any missing ancestors as persistent nodes; an existing node is left as it is.
    public func createRecursively(_ path: String, data: [UInt8] = []) throws(ZnodeError) {
        let parsed = try ZnodePath(path)
        for ancestor in parsed.ancestors where try exists(ancestor.string) == nil {
            do { try create(ancestor.string, data: [], mode: .persistent, session: nil) } catch .nodeExists(_) {}
        }
        do { try create(path, data: data, mode: .persistent, session: nil) } catch .nodeExists(_) {}
    }
}

public struct SessionID: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int64
    public init(rawValue: Int64) { self.rawValue = rawValue }
    public var description: String { "0x" + String(rawValue, radix: 16) }
}

public enum CreateMode: Sendable, Equatable {
    case persistent
    case persistentSequential
    case ephemeral
    case ephemeralSequential

    var isEphemeral: Bool { self == .ephemeral || self == .ephemeralSequential }
    var isSequential: Bool { self == .persistentSequential || self == .ephemeralSequential }
}

public enum ZnodeOperation: Sendable, Equatable {
    case create(path: String, data: [UInt8], mode: CreateMode, session: SessionID?)
    case delete(path: String, version: Int32?)
    case setData(path: String, data: [UInt8], version: Int32?)
    /// Fails the transaction unless the node exists with this version (nil: exists at all).
    case check(path: String, version: Int32?)
}

public enum ZnodeOperationResult: Sendable, Equatable {
    case created(path: String)
    case deleted
    case dataSet(ZnodeStat)
    case checked
}

public struct WatchedEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case created
        case deleted
        case dataChanged = "data_changed"
        case childrenChanged = "children_changed"
    }
    public var kind: Kind
    public var path: String
    public init(kind: Kind, path: String) {
        self.kind = kind
        self.path = path
    }
}

/// Called once, on a background thread, when the watched change happens.
public typealias WatchHandler = @Sendable (WatchedEvent) -> Void

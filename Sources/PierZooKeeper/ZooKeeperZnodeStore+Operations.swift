import CZooKeeper
import PierCoordination

/// Reads and single writes: each one synchronous C call, its return code mapped as SQLiteZnodeStore names the condition.
extension ZooKeeperZnodeStore {
    /// Data larger than this is read again into a buffer of its exact size (ZooKeeper's limit is 1 MiB).
    static let firstReadBufferBytes = 64 * 1024

    public func getData(_ path: String, watch: WatchHandler?) throws(ZnodeError) -> (data: [UInt8], stat: ZnodeStat) {
        _ = try ZnodePath(path)
        let connection = try currentConnection()
        var stat = Stat()
        var data = [UInt8](repeating: 0, count: Self.firstReadBufferBytes)
        var length = Int32(data.count)
        let code = ZooKeeperReturnCode(try connection.call(
            waitMilliseconds: reconnectWaitMilliseconds, watch: watch, interest: .data, path: path, registered: { $0 == ZOK.rawValue }
        ) { handle, watcher, context in
            data.withUnsafeMutableBytes { buffer in
                zoo_wget(handle, path, watcher, context, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), &length, &stat)
            }
        })
        guard code.isOK else { throw znodeError(code, .init(path: path, session: connection.session), connection) }
        if stat.dataLength > Int32(data.count) {
            // The watch is set; the larger read needs none (a change since fires it anyway).
            data = [UInt8](repeating: 0, count: Int(stat.dataLength))
            length = stat.dataLength
            let again = ZooKeeperReturnCode(try connection.call(waitMilliseconds: reconnectWaitMilliseconds) { handle in
                data.withUnsafeMutableBytes { buffer in
                    zoo_get(handle, path, 0, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), &length, &stat)
                }
            })
            guard again.isOK else { throw znodeError(again, .init(path: path, session: connection.session), connection) }
        }
        // -1: the node holds null data, which reads as empty, as in SQLiteZnodeStore.
        return (Array(data.prefix(Int(max(0, length)))), ZnodeStat(stat))
    }

    public func exists(_ path: String, watch: WatchHandler?) throws(ZnodeError) -> ZnodeStat? {
        _ = try ZnodePath(path)
        let connection = try currentConnection()
        var stat = Stat()
        // On an absent node the server sets an existence watch, which fires on its creation.
        let code = ZooKeeperReturnCode(try connection.call(
            waitMilliseconds: reconnectWaitMilliseconds, watch: watch, interest: .existence, path: path,
            registered: { $0 == ZOK.rawValue || $0 == ZNONODE.rawValue }
        ) { handle, watcher, context in
            zoo_wexists(handle, path, watcher, context, &stat)
        })
        if code.rawValue == ZNONODE.rawValue { return nil }
        guard code.isOK else { throw znodeError(code, .init(path: path, session: connection.session), connection) }
        return ZnodeStat(stat)
    }

    public func getChildren(_ path: String, watch: WatchHandler?) throws(ZnodeError) -> [String] {
        _ = try ZnodePath(path)
        let connection = try currentConnection()
        var names = String_vector()
        let code = ZooKeeperReturnCode(try connection.call(
            waitMilliseconds: reconnectWaitMilliseconds, watch: watch, interest: .children, path: path, registered: { $0 == ZOK.rawValue }
        ) { handle, watcher, context in
            zoo_wget_children(handle, path, watcher, context, &names)
        })
        guard code.isOK else { throw znodeError(code, .init(path: path, session: connection.session), connection) }
        defer { deallocate_String_vector(&names) }
        // ZooKeeper lists children in no particular order; the protocol promises them sorted.
        return (0..<Int(names.count)).map { String(cString: names.data[$0]!) }.sorted()
    }

    @discardableResult
    public func create(_ path: String, data: [UInt8], mode: CreateMode, session: SessionID?) throws(ZnodeError) -> String {
        let requested = try Self.validatedCreatePath(path, mode: mode)
        let connection = mode.needsSession ? try connection(owning: session) : try currentConnection()
        // The server appends at most 10 digits; the chroot is stripped from the path it returns.
        var created = [CChar](repeating: 0, count: path.utf8.count + 16)
        let capacity = Int32(created.count)
        let code = ZooKeeperReturnCode(try connection.call(waitMilliseconds: reconnectWaitMilliseconds) { handle in
            data.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { value in
                    zoo_create(handle, path, value.baseAddress, Self.length(of: data), pier_zoo_open_acl(), mode.zooKeeperFlags, &created, capacity)
                }
            }
        })
        guard code.isOK else {
            throw znodeError(code, .init(path: path, parentPath: requested.parent?.string, session: session ?? connection.session), connection)
        }
        return text(created)
    }

    public func delete(_ path: String, version: Int32?) throws(ZnodeError) {
        guard !(try ZnodePath(path)).isRoot else { throw .invalidPath("/ cannot be deleted") }
        let connection = try currentConnection()
        let code = ZooKeeperReturnCode(try connection.call(waitMilliseconds: reconnectWaitMilliseconds) { handle in
            zoo_delete(handle, path, version ?? -1)
        })
        guard code.isOK else {
            throw znodeError(code, .init(path: path, expectedVersion: version, session: connection.session), connection)
        }
    }

    @discardableResult
    public func setData(_ path: String, data: [UInt8], version: Int32?) throws(ZnodeError) -> ZnodeStat {
        _ = try ZnodePath(path)
        let connection = try currentConnection()
        var stat = Stat()
        let code = ZooKeeperReturnCode(try connection.call(waitMilliseconds: reconnectWaitMilliseconds) { handle in
            data.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { value in
                    zoo_set2(handle, path, value.baseAddress, Self.length(of: data), version ?? -1, &stat)
                }
            }
        })
        guard code.isOK else {
            throw znodeError(code, .init(path: path, expectedVersion: version, session: connection.session), connection)
        }
        return ZnodeStat(stat)
    }

    // MARK: Shared

    /// The C client's length for data: -1 goes with the null pointer an empty array has.
    static func length(of data: [UInt8]) -> Int32 { data.isEmpty ? -1 : Int32(data.count) }

    /// A sequential name may end in "/" (ZooKeeper allows "/queue/"): it is validated with its suffix.
    static func validatedCreatePath(_ path: String, mode: CreateMode) throws(ZnodeError) -> ZnodePath {
        let requested = try ZnodePath(mode.appendsSequence ? path + "0000000000" : path)
        guard !requested.isRoot else { throw .nodeExists("/") }
        return requested
    }

    func znodeError(_ code: ZooKeeperReturnCode, _ subject: ZooKeeperReturnCode.Subject, _ connection: ZooKeeperConnection) -> ZnodeError {
        code.error(subject) { currentVersion(of: subject.path, on: connection) ?? -1 }
    }

    /// The node's data version as the server has it now, nil when absent or unreadable.
    func currentVersion(of path: String, on connection: ZooKeeperConnection) -> Int32? {
        var stat = Stat()
        let code = try? connection.call(waitMilliseconds: reconnectWaitMilliseconds) { handle in zoo_exists(handle, path, 0, &stat) }
        return code == ZOK.rawValue ? stat.version : nil
    }
}

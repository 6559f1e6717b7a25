import CZooKeeper
import Glibc
import PierCoordination

/// `multi` as one `zoo_multi` call: ZooKeeper applies every operation or none, and says which one failed.
extension ZooKeeperZnodeStore {
    public func multi(_ operations: [ZnodeOperation]) throws(ZnodeError) -> [ZnodeOperationResult] {
        guard !operations.isEmpty else { return [] }
        var ephemeralSession: SessionID?
        for (index, operation) in operations.enumerated() {
            do throws(ZnodeError) {
                try Self.validate(operation)
                if case let .create(_, _, mode, session) = operation, mode.needsSession {
                    // One handle runs the transaction, so every ephemeral node in it belongs to its session.
                    _ = try connection(owning: session)
                    guard ephemeralSession == nil || ephemeralSession == session else { throw ZnodeError.sessionExpired(session) }
                    ephemeralSession = session
                }
            } catch {
                throw .multiFailed(index: index, cause: error)
            }
        }
        let connection = if let ephemeralSession { try self.connection(owning: ephemeralSession) } else { try currentConnection() }
        let request = MultiRequest(operations)
        defer { request.deallocate() }
        let code = ZooKeeperReturnCode(try connection.call(waitMilliseconds: reconnectWaitMilliseconds) { handle in
            zoo_multi(handle, Int32(operations.count), request.operations, request.results)
        })
        if code.isOK { return request.outcome(of: operations) }
        if code.isConnectionLevel {
            throw code.error(ZooKeeperReturnCode.Subject(path: "", session: ephemeralSession ?? connection.session), actualVersion: { -1 })
        }
        let index = (0..<operations.count).first { request.results[$0].err != ZOK.rawValue } ?? 0
        let cause = ZooKeeperReturnCode(request.results[index].err)
        throw .multiFailed(index: index, cause: cause.error(Self.subject(of: operations[index], session: ephemeralSession)) {
            versionInsideTransaction(operations, failedAt: index, on: connection)
        })
    }

    private static func validate(_ operation: ZnodeOperation) throws(ZnodeError) {
        switch operation {
        case let .create(path, _, mode, _): _ = try validatedCreatePath(path, mode: mode)
        case let .delete(path, _):
            guard !(try ZnodePath(path)).isRoot else { throw .invalidPath("/ cannot be deleted") }
        case let .setData(path, _, _), let .check(path, _): _ = try ZnodePath(path)
        }
    }

    private static func subject(of operation: ZnodeOperation, session: SessionID?) -> ZooKeeperReturnCode.Subject {
        switch operation {
        case let .create(path, _, mode, _):
            let parent = (try? validatedCreatePath(path, mode: mode))?.parent?.string
            return .init(path: path, parentPath: parent, session: session)
        case let .delete(path, version), let .setData(path, _, version), let .check(path, version):
            return .init(path: path, expectedVersion: version, session: session)
        }
    }

    /// The version the failed operation met, as SQLiteZnodeStore reports it: the server rolled the
    /// transaction back, so the earlier operations' effect on that node is added to what it holds now.
    private func versionInsideTransaction(_ operations: [ZnodeOperation], failedAt index: Int, on connection: ZooKeeperConnection) -> Int32 {
        let path = Self.subject(of: operations[index], session: nil).path
        let createdInside = operations[..<index].contains { Self.creates(path, $0) }
        guard var version = currentVersion(of: path, on: connection) ?? (createdInside ? 0 : nil) else { return -1 }
        for earlier in operations[..<index] {
            if Self.creates(path, earlier) { version = 0 }
            if case let .setData(setPath, _, _) = earlier, setPath == path { version += 1 }
        }
        return version
    }

    private static func creates(_ path: String, _ operation: ZnodeOperation) -> Bool {
        if case let .create(created, _, mode, _) = operation, !mode.appendsSequence, created == path { return true }
        return false
    }
}

/// The C arrays one `zoo_multi` call reads and fills, allocated together and freed together.
private final class MultiRequest {
    let operations: UnsafeMutablePointer<zoo_op_t>
    let results: UnsafeMutablePointer<zoo_op_result_t>
    private var allocations: [UnsafeMutableRawPointer] = []
    /// Per operation: the buffer a create's actual path lands in, the stat a setData fills.
    private var createdPaths: [Int: UnsafeMutablePointer<CChar>] = [:]
    private var stats: [Int: UnsafeMutablePointer<Stat>] = [:]
    private let count: Int

    init(_ operations: [ZnodeOperation]) {
        count = operations.count
        self.operations = .allocate(capacity: count)
        results = .allocate(capacity: count)
        results.initialize(repeating: zoo_op_result_t(), count: count)
        for (index, operation) in operations.enumerated() {
            let op = self.operations + index
            switch operation {
            case let .create(path, data, mode, _):
                let capacity = path.utf8.count + 16
                let created = malloc(capacity)!.bindMemory(to: CChar.self, capacity: capacity)
                allocations.append(UnsafeMutableRawPointer(created))
                createdPaths[index] = created
                zoo_create_op_init(op, copy(path), copy(data), ZooKeeperZnodeStore.length(of: data), pier_zoo_open_acl(),
                                   mode.zooKeeperFlags, created, Int32(capacity))
            case let .delete(path, version):
                zoo_delete_op_init(op, copy(path), version ?? -1)
            case let .setData(path, data, version):
                let stat = malloc(MemoryLayout<Stat>.size)!.bindMemory(to: Stat.self, capacity: 1)
                stat.initialize(to: Stat())
                allocations.append(UnsafeMutableRawPointer(stat))
                stats[index] = stat
                zoo_set_op_init(op, copy(path), copy(data), ZooKeeperZnodeStore.length(of: data), version ?? -1, stat)
            case let .check(path, version):
                zoo_check_op_init(op, copy(path), version ?? -1)
            }
        }
    }

    func outcome(of operations: [ZnodeOperation]) -> [ZnodeOperationResult] {
        operations.enumerated().map { index, operation in
            switch operation {
            case .create: .created(path: String(cString: createdPaths[index]!))
            case .delete: .deleted
            case .setData: .dataSet(ZnodeStat(stats[index]!.pointee))
            case .check: .checked
            }
        }
    }

    func deallocate() {
        for allocation in allocations { free(allocation) }
        allocations = []
        operations.deallocate()
        results.deallocate()
    }

    private func copy(_ string: String) -> UnsafeMutablePointer<CChar> {
        let copied = strdup(string)!
        allocations.append(UnsafeMutableRawPointer(copied))
        return copied
    }

    private func copy(_ data: [UInt8]) -> UnsafeMutablePointer<CChar>? {
        guard !data.isEmpty else { return nil }
        let copied = malloc(data.count)!
        data.withUnsafeBytes { copied.copyMemory(from: $0.baseAddress!, byteCount: data.count) }
        allocations.append(copied)
        return copied.assumingMemoryBound(to: CChar.self)
    }
}

import CZooKeeper
import PierCoordination

/// A C client return code, and the `ZnodeError` it is, named as `SQLiteZnodeStore` names the same condition.
struct ZooKeeperReturnCode: Equatable {
    let rawValue: Int32

    init(_ rawValue: Int32) { self.rawValue = rawValue }

    var isOK: Bool { rawValue == ZOK.rawValue }

    /// The library's own wording, for errors without a closer `ZnodeError`.
    var message: String { String(cString: zerror(rawValue)) }

    /// What the paths involved are, for the error's payload.
    struct Subject {
        /// The node the operation names.
        var path: String
        /// The node whose absence `ZNONODE` means for a create (its parent).
        var parentPath: String?
        /// The version the operation expected, for `badVersion`.
        var expectedVersion: Int32?
        /// The session whose expiry `ZSESSIONEXPIRED` reports.
        var session: SessionID?
    }

    /// The error, given the node's version as read now (ZooKeeper does not say it in `ZBADVERSION`).
    func error(_ subject: Subject, actualVersion: () -> Int32) -> ZnodeError {
        switch rawValue {
        case ZNONODE.rawValue: .noNode(subject.parentPath ?? subject.path)
        case ZNODEEXISTS.rawValue: .nodeExists(subject.path)
        case ZBADVERSION.rawValue: .badVersion(path: subject.path, expected: subject.expectedVersion ?? -1, actual: actualVersion())
        case ZNOTEMPTY.rawValue: .notEmpty(subject.path)
        case ZNOCHILDRENFOREPHEMERALS.rawValue: .noChildrenForEphemerals(subject.parentPath ?? subject.path)
        case ZBADARGUMENTS.rawValue: .invalidPath(subject.path)
        case ZSESSIONEXPIRED.rawValue, ZINVALIDSTATE.rawValue, ZSESSIONMOVED.rawValue: .sessionExpired(subject.session)
        case ZCONNECTIONLOSS.rawValue, ZOPERATIONTIMEOUT.rawValue, ZCLOSING.rawValue: .connectionLoss("ZooKeeper: \(message)")
        default: .storage("ZooKeeper: \(message) (\(rawValue))")
        }
    }

    /// Whether the code is about the connection or session rather than about one operation.
    var isConnectionLevel: Bool {
        [ZSESSIONEXPIRED.rawValue, ZINVALIDSTATE.rawValue, ZSESSIONMOVED.rawValue, ZCONNECTIONLOSS.rawValue,
         ZOPERATIONTIMEOUT.rawValue, ZCLOSING.rawValue, ZMARSHALLINGERROR.rawValue, ZSYSTEMERROR.rawValue].contains(rawValue)
    }
}

extension ZnodeStat {
    init(_ stat: Stat) {
        self.init(
            czxid: stat.czxid, mzxid: stat.mzxid, pzxid: stat.pzxid, ctimeMilliseconds: stat.ctime, mtimeMilliseconds: stat.mtime,
            version: stat.version, cversion: stat.cversion, ephemeralOwner: stat.ephemeralOwner,
            dataLength: stat.dataLength, numChildren: stat.numChildren
        )
    }
}

extension CreateMode {
    var zooKeeperFlags: Int32 {
        switch self {
        case .persistent: ZOO_PERSISTENT
        case .persistentSequential: ZOO_PERSISTENT_SEQUENTIAL
        case .ephemeral: ZOO_EPHEMERAL
        case .ephemeralSequential: ZOO_EPHEMERAL_SEQUENTIAL
        }
    }

    var needsSession: Bool { self == .ephemeral || self == .ephemeralSequential }
    var appendsSequence: Bool { self == .persistentSequential || self == .ephemeralSequential }
}

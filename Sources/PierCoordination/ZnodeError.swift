/// ZooKeeper's error conditions, named as its clients know them.
public enum ZnodeError: Error, Equatable, Sendable {
    case invalidPath(String)
    case noNode(String)
    case nodeExists(String)
    /// The expected version did not match the node's.
    case badVersion(path: String, expected: Int32, actual: Int32)
    case notEmpty(String)
    case noChildrenForEphemerals(String)
    /// An ephemeral create named no session, or a session that has expired or closed.
    case sessionExpired(SessionID?)
    /// A `multi` failed at operation `index`; nothing of it took effect.
    indirect case multiFailed(index: Int, cause: ZnodeError)
    /// The database could not be read or written.
    case storage(String)
    /// A networked store lost its server before the answer came: the operation may or may not have
    /// taken effect, and the session may still be alive (ZooKeeper's connection loss and operation timeout).
    case connectionLoss(String)
}

/// A validated absolute znode path: "/" or "/a/b" with no empty, "." or ".." segments and no trailing slash.
///
/// Public so that every `ZnodeStore` refuses the same paths with the same `invalidPath` error,
/// whether it checks them itself (SQLite) or would otherwise hear a server's own wording (ZooKeeper).
public struct ZnodePath: Hashable, Sendable {
    public let string: String

    public init(_ string: String) throws(ZnodeError) {
        guard string.first == "/" else { throw .invalidPath(string) }
        if string != "/" {
            guard string.last != "/" else { throw .invalidPath(string) }
            for segment in string.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
                guard !segment.isEmpty, segment != ".", segment != "..",
                      !segment.unicodeScalars.contains(where: { $0.value == 0 || ($0.value < 0x20) })
                else { throw .invalidPath(string) }
            }
        }
        self.string = string
    }

    /// For strings already known to be valid paths.
    init(unchecked: String) { self.string = unchecked }

    static let root = ZnodePath(unchecked: "/")

    public var isRoot: Bool { string == "/" }

    /// The parent path; the root's parent is the empty string, as stored in the table.
    var parentString: String {
        guard !isRoot else { return "" }
        let lastSlash = string.lastIndex(of: "/")!
        return lastSlash == string.startIndex ? "/" : String(string[..<lastSlash])
    }

    public var parent: ZnodePath? { isRoot ? nil : ZnodePath(unchecked: parentString) }

    /// The last segment: "ids" for "/brokers/ids".
    var name: Substring {
        guard !isRoot else { return "" }
        return string[string.index(after: string.lastIndex(of: "/")!)...]
    }

    /// Every proper ancestor except the root, outermost first: "/a", "/a/b" for "/a/b/c".
    public var ancestors: [ZnodePath] {
        var result: [ZnodePath] = []
        var current = parent
        while let path = current, !path.isRoot {
            result.append(path)
            current = path.parent
        }
        return result.reversed()
    }

    func appendingSequenceNumber(_ counter: Int32) -> ZnodePath {
        let digits = String(counter)
        return ZnodePath(unchecked: string + String(repeating: "0", count: max(0, 10 - digits.count)) + digits)
    }
}

/// Where a broker keeps the cluster's znodes: `sqlite:PATH` (a file the brokers of one host
/// share) or `zookeeper:HOST:PORT[,HOST:PORT...][/CHROOT]` (an ensemble, as Kafka's
/// `zookeeper.connect` names it after the scheme).
public enum CoordinationURI: Equatable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case zookeeper(servers: [String], chroot: String?)

    public struct Problem: Error, Equatable, Sendable, CustomStringConvertible {
        public var text: String
        public var reason: String
        public var description: String { "invalid coordination URI '\(text)': \(reason)" }
    }

    /// Parses the URI; `zookeeper.connect`'s value (no scheme) is accepted through `zookeeperConnect:`.
    public init(parsing text: String) throws(Problem) {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw Problem(text: text, reason: "sqlite: needs a file path") }
            self = .sqlite(path: path)
        } else if text.hasPrefix("zookeeper:") {
            self = try Self(zookeeperConnect: String(text.dropFirst("zookeeper:".count)), original: text)
        } else {
            throw Problem(text: text, reason: "expected sqlite:PATH or zookeeper:HOST:PORT[,HOST:PORT...][/CHROOT]")
        }
    }

    /// Kafka's `zookeeper.connect` form: `HOST:PORT[,HOST:PORT...][/CHROOT]`.
    public init(zookeeperConnect text: String) throws(Problem) {
        self = try Self(zookeeperConnect: text, original: text)
    }

    private init(zookeeperConnect text: String, original: String) throws(Problem) {
        var hosts = Substring(text)
        var chroot: String?
        if let slash = text.firstIndex(of: "/") {
            hosts = text[..<slash]
            let root = String(text[slash...])
            guard root != "/" else { throw Problem(text: original, reason: "the chroot '/' is the root; leave it out") }
            guard (try? ZnodePath(root)) != nil else { throw Problem(text: original, reason: "chroot '\(root)' is not a znode path") }
            chroot = root
        }
        let servers = hosts.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !servers.isEmpty, !servers.contains(where: { $0.isEmpty }) else {
            throw Problem(text: original, reason: "expected at least one HOST:PORT")
        }
        for server in servers {
            guard let colon = server.lastIndex(of: ":"), !server[..<colon].isEmpty,
                  let port = Int(server[server.index(after: colon)...]), (1...65_535).contains(port)
            else {
                throw Problem(text: original, reason: "'\(server)' is not HOST:PORT")
            }
        }
        self = .zookeeper(servers: servers, chroot: chroot)
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case let .zookeeper(servers, chroot): "zookeeper:" + servers.joined(separator: ",") + (chroot ?? "")
        }
    }
}

/// Listener lists as Kafka writes them, `PLAINTEXT://HOST:PORT`: Pier takes `HOST:PORT` too, and
/// serves only PLAINTEXT, so a bare address is that listener.
enum ListenerScheme {
    static let plaintext = "PLAINTEXT"

    /// Every listener of a comma-separated list with its scheme (`127.0.0.1:9092` → `PLAINTEXT://127.0.0.1:9092`).
    static func named(_ listeners: String) -> String {
        ConfigList.items(of: listeners).map { $0.contains("://") ? $0 : "\(plaintext)://\(bracketed($0))" }.joined(separator: ",")
    }

    /// An IPv6 host without brackets (`::1:9092`) is ambiguous to a reader; Pier's parser took it as
    /// host `::1` and port 9092, and writes it back as `[::1]:9092`.
    private static func bracketed(_ address: String) -> String {
        guard !address.hasPrefix("["), address.filter({ $0 == ":" }).count > 1, let colon = address.lastIndex(of: ":") else { return address }
        return "[\(address[..<colon])]\(address[colon...])"
    }
}

/// `--admin-listen HOST:PORT`, checked before anything starts.
struct AdminAddress: CustomStringConvertible {
    let host: String
    let port: Int

    init(parsing text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port),
              colon != text.startIndex else {
            throw CLIFailure("invalid --admin-listen '\(text)': expected HOST:PORT")
        }
        let host = String(text[..<colon])
        // "[::1]:9644": brackets delimit an IPv6 address; the socket wants it without them.
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
    }

    var description: String { "\(host):\(port)" }
}

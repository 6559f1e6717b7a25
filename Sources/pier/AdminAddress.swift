/// `--admin-listen HOST:PORT`, checked before anything starts.
struct AdminAddress: CustomStringConvertible {
    let host: String
    let port: Int

    init(parsing text: String) throws {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port),
              colon != text.startIndex else {
            throw CLIFailure("invalid --admin-listen '\(text)': expected HOST:PORT")
        }
        host = String(text[..<colon])
        self.port = port
    }

    var description: String { "\(host):\(port)" }
}

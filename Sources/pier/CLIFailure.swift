/// A failure reported as one line on stderr with a non-zero exit status, without usage text:
/// for problems with the world (a missing file, an unknown znode), not with the command line.
struct CLIFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

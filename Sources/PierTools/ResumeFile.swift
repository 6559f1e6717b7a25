import Foundation

/// `pier replay --resume-file`: the next offset to replay, with the range it belongs to, so an
/// interrupted replay continues where its output stopped and a file from another replay is not
/// taken for this one. Written to a temporary file and renamed, so it is never half-written.
public struct ResumeFile: Sendable, Equatable {
    public var path: String
    public var partition: String
    public var range: Range<Int64>

    public init(path: String, partition: String, range: Range<Int64>) {
        self.path = path
        self.partition = partition
        self.range = range
    }

    /// The offset to continue from, or nil when the file does not exist yet.
    public func load() throws -> Int64? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ToolFailure("cannot read resume file \(path)") }
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        guard let next = fields["next"].flatMap({ Int64($0) }), let from = fields["from"].flatMap({ Int64($0) }),
              let end = fields["end"].flatMap({ Int64($0) }), let partition = fields["partition"] else {
            throw ToolFailure("resume file \(path) is not a pier replay resume file")
        }
        guard partition == self.partition, from == range.lowerBound, end == range.upperBound else {
            throw ToolFailure("resume file \(path) belongs to a replay of \(partition) offsets \(from)..<\(end), "
                + "not of \(self.partition) offsets \(range.lowerBound)..<\(range.upperBound)")
        }
        guard (range.lowerBound...range.upperBound).contains(next) else {
            throw ToolFailure("resume file \(path) names offset \(next), outside the range")
        }
        return next
    }

    public func save(next: Int64) throws {
        let text = "partition=\(partition)\nfrom=\(range.lowerBound)\nend=\(range.upperBound)\nnext=\(next)\n"
        let temporary = path + ".tmp"
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw ToolFailure("cannot write resume file \(path): \(error.localizedDescription)")
        }
        guard rename(temporary, path) == 0 else {
            throw ToolFailure("cannot write resume file \(path): \(String(cString: strerror(errno)))")
        }
    }
}

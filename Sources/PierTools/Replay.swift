import NIOCore
import PierStorage

/// `pier replay`: streams exactly the records of one partition's offset range, in order, from a
/// `RecordSource`; either writes them (`RecordWriter`) or, in verify mode, writes the running
/// `ReplayChecksum`. With a resume file the next offset is saved after every chunk written, and a
/// later run with the same file continues from there.
public struct Replay {
    public enum Output {
        case records(RecordWriter)
        /// A digest line every `every` records, then the final digest.
        case checksum(every: Int)
    }

    public struct Outcome: Equatable, Sendable {
        public var range: Range<Int64>
        /// Where this run started (later than the range's start when resumed).
        public var startedAt: Int64
        public var records: Int
        /// The final digest in verify mode.
        public var digest: String?
    }

    let source: any RecordSource
    let request: ReplayRequest
    let partition: Int32

    public init(source: any RecordSource, request: ReplayRequest, partition: Int32) {
        self.source = source
        self.request = request
        self.partition = partition
    }

    /// The offsets of the times the request names, looked up before the (synchronous) range check.
    private func offsetsForTimes(_ source: any RecordSource) async throws -> [Int64: Int64] {
        var offsets: [Int64: Int64] = [:]
        for bound in [request.from, request.to] {
            guard case .time(let milliseconds) = bound else { continue }
            let offset = try await source.offset(forTime: milliseconds)
            if let offset { offsets[milliseconds] = offset }
        }
        return offsets
    }

    public func run(output: Output, sink: OutputSink, resumePath: String?, showProgress: Bool) async throws -> Outcome {
        let (logStart, logEnd) = try await source.bounds()
        let range = try request.resolve(partition: source.name, logStart: logStart, logEnd: logEnd,
                                        offsetsForTimes: try await offsetsForTimes(source))
        var resume: ResumeFile?
        if let resumePath { resume = ResumeFile(path: resumePath, partition: source.name, range: range) }
        var start = range.lowerBound
        if let resumed = try resume?.load() { start = resumed }
        var state = ReplayState(output: output, partition: partition)
        let progress = ProgressDisplay(total: range.upperBound - start, enabled: showProgress)
        var next = start
        while next < range.upperBound {
            let chunk = try await source.chunk(of: next..<range.upperBound)
            state.write(chunk.records, to: sink)
            next = chunk.next
            try sink.flush()
            try resume?.save(next: next)
            progress.update(done: next - start)
        }
        progress.finish(done: range.upperBound - start)
        let digest = state.finish(covering: start..<range.upperBound, to: sink)
        try resume?.save(next: range.upperBound)
        try sink.flush()
        return Outcome(range: range, startedAt: start, records: state.written, digest: digest)
    }
}

/// What a replay has written so far.
struct ReplayState {
    let output: Replay.Output
    let partition: Int32
    var checksum = ReplayChecksum()
    var written = 0

    init(output: Replay.Output, partition: Int32) {
        self.output = output
        self.partition = partition
    }

    mutating func write(_ records: [StoredRecord], to sink: OutputSink) {
        for record in records {
            switch output {
            case .records(let writer):
                writer.write(record, partition: partition, to: &sink.buffer)
            case .checksum(let every):
                checksum.add(record)
                if checksum.recordCount % every == 0 {
                    sink.buffer.writeString("offset \(record.offset) records \(checksum.recordCount) sha256 \(checksum.digest())\n")
                }
            }
            written += 1
        }
    }

    /// In verify mode, writes the final line and returns the digest.
    mutating func finish(covering range: Range<Int64>, to sink: OutputSink) -> String? {
        guard case .checksum = output else { return nil }
        let digest = checksum.digest()
        let covered = range.isEmpty ? "none" : "\(range.lowerBound)..\(range.upperBound - 1)"
        sink.buffer.writeString("sha256 \(digest) records \(checksum.recordCount) offsets \(covered)\n")
        return digest
    }
}

import ArgumentParser
import Foundation
import PierTools

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Stream exactly the records of one partition's offset or time range, in order.",
        discussion: """
            The range is --from-offset A to --to-offset B, both included, or --from-time T1 (the first \
            record at or after T1) to --to-time T2 (up to, not including, the first record at or after \
            T2); the two kinds mix, and a missing end means the log start or end. A range outside the \
            log is refused with one line saying why.

            Online (the default) the records come from the broker; with --data-dir they are read from \
            the partition's files, read-only, safe beside a running broker (SQLite is read through WAL; \
            segment files up to their last whole batch).

            Output: --format raw (the default) writes each value's bytes exactly, followed by \
            --delimiter; json writes one object a line (bytes that are not UTF-8 as {"base64": ...}); \
            text writes values as lines.

            --verify writes checksums instead of records: a line "offset O records N sha256 H" every \
            --verify-every records (the digest of the range so far), then "sha256 H records N offsets \
            A..B". H is SHA-256 over each record in offset order encoded as, big-endian: offset (int64), \
            timestamp in ms (int64), key length (int32, -1 for null) and key bytes, value length (int32, \
            -1 for null) and value bytes, header count (int32) and per header key length (int32), key \
            UTF-8 bytes, value length (int32, -1 for null) and value bytes. Equal digests mean equal \
            records; compare two replays (online and offline, two brokers, before and after a restore) \
            by their final lines.

            --resume-file F saves the next offset to replay after every chunk written; running the same \
            command again continues from there (a file from another range is refused). With --verify a \
            resumed run's digest covers only the offsets it read, which its final line states.

            Examples:
              pier replay audit --partition 0 --from-offset 1000 --to-offset 1999 > values.bin
              pier replay audit --partition 0 --from-time 2026-12-01T00:00:00Z --to-time 2026-12-02T00:00:00Z --format json
              pier replay audit --partition 0 --data-dir ./pier-data --verify
            """
    )

    @OptionGroup var broker: BrokerOptions
    @Argument(help: "Topic to replay.") var topic: String
    @Option(help: "Partition to replay.") var partition: Int32
    @Option(help: "First offset of the range.") var fromOffset: Int64?
    @Option(help: "Last offset of the range (included).") var toOffset: Int64?
    @Option(help: "Start at the first record at or after this time (ms since the epoch or ISO-8601).") var fromTime: String?
    @Option(help: "End before the first record at or after this time (ms since the epoch or ISO-8601).") var toTime: String?
    @Option(help: "Read the partition's files in this data directory instead of asking a broker.") var dataDir: String?
    @Option(help: "Output format: raw, json or text.") var format: RecordFormat = .raw
    @Option(help: "In raw format, the bytes written after each value (escapes \\n, \\t, \\0 understood; '' for none).") var delimiter = "\\n"
    @Flag(help: "Write SHA-256 checksums of the range instead of the records.") var verify = false
    @Option(help: "With --verify, write the running digest every this many records.") var verifyEvery = 100_000
    @Option(help: "A file recording the next offset, so an interrupted replay continues.") var resumeFile: String?

    func validate() throws {
        if fromOffset != nil && fromTime != nil { throw ValidationError("give --from-offset or --from-time, not both") }
        if toOffset != nil && toTime != nil { throw ValidationError("give --to-offset or --to-time, not both") }
        if verifyEvery <= 0 { throw ValidationError("--verify-every must be positive") }
        if partition < 0 { throw ValidationError("--partition cannot be negative") }
    }

    func run() async throws {
        let request = try ReplayRequest(
            from: fromOffset.map { .offset($0) } ?? fromTime.map { .time(try TimeArgument.milliseconds($0, option: "--from-time")) },
            to: toOffset.map { .offset($0) } ?? toTime.map { .time(try TimeArgument.milliseconds($0, option: "--to-time")) })
        let output: Replay.Output = verify
            ? .checksum(every: verifyEvery)
            : .records(RecordWriter(format: format, delimiter: Delimiter.bytes(delimiter)))
        let showProgress = isatty(STDERR_FILENO) == 1
        if let dataDir {
            try await reportingFailures {
                let source = try FileRecordSource(dataDirectory: dataDir, topic: topic, partition: partition)
                _ = try await Replay(source: source, request: request, partition: partition)
                    .run(output: output, sink: OutputSink(), resumePath: resumeFile, showProgress: showProgress)
            }
        } else {
            try await broker.run { session in
                let source = try await BrokerRecordSource(session: session, topic: topic, partition: partition)
                _ = try await Replay(source: source, request: request, partition: partition)
                    .run(output: output, sink: OutputSink(), resumePath: resumeFile, showProgress: showProgress)
            }
        }
    }
}

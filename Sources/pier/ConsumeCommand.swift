import ArgumentParser
import Foundation
import PierTools

struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Print records of a topic as they arrive (like kafka-console-consumer).",
        discussion: """
            Reads every partition (or --partition) from the end unless told otherwise. Formats: text \
            (the value, with --print-key the key and a tab first), json (one object a line: partition, \
            offset, timestamp, key, value, headers; bytes that are not UTF-8 as {"base64": "..."}), raw \
            (the value's bytes exactly, each followed by --delimiter).

            With --group, partitions start at the group's committed offsets (the start option applies \
            where it has none) and the offsets read are committed as records are printed. The commits \
            are made outside any group generation, so the group must have no running members.

            Example: pier consume audit --from-beginning --format json --max-records 10
            """
    )

    @OptionGroup var broker: BrokerOptions
    @Argument(help: "Topic to read.") var topic: String
    @Option(help: "Read only this partition.") var partition: Int32?
    @Flag(help: "Start at the first record still kept.") var fromBeginning = false
    @Flag(help: "Start after the last record (the default).") var fromEnd = false
    @Option(help: "Start at this offset (in every partition read).") var offset: Int64?
    @Option(help: "Start at the first record at or after this time (ms since the epoch or ISO-8601).") var fromTime: String?
    @Option(help: "Consumer group whose committed offsets to start from and to commit to.") var group: String?
    @Option(help: "Stop after this many records.") var maxRecords: Int?
    @Option(help: "Stop when no record arrives for this many milliseconds.") var timeoutMs: Int?
    @Option(help: "Output format: text, json or raw.") var format: RecordFormat = .text
    @Flag(help: "In text format, print the key and a tab before the value.") var printKey = false
    @Option(help: "In raw format, the bytes written after each value (escapes \\n, \\t, \\0 understood).") var delimiter = "\\n"

    func validate() throws {
        let starts = [fromBeginning, fromEnd, offset != nil, fromTime != nil].filter { $0 }.count
        if starts > 1 { throw ValidationError("give at most one of --from-beginning, --from-end, --offset, --from-time") }
        if let maxRecords, maxRecords <= 0 { throw ValidationError("--max-records must be positive") }
    }

    func run() async throws {
        try await broker.run { session in
            var options = RecordConsumer.Options(topic: topic)
            options.partition = partition
            options.group = group
            options.maxRecords = maxRecords
            options.idleTimeout = timeoutMs.map { .milliseconds($0) }
            if fromBeginning { options.start = .earliest }
            if let offset { options.start = .offset(offset) }
            if let fromTime { options.start = .time(try TimeArgument.milliseconds(fromTime, option: "--from-time")) }
            let writer = RecordWriter(format: format, printKey: printKey, delimiter: Delimiter.bytes(delimiter))
            // A bar only when the records go elsewhere than the terminal it is drawn on, and the end is known.
            let progress = maxRecords.flatMap { total in
                isatty(STDOUT_FILENO) == 0 && isatty(STDERR_FILENO) == 1 ? ProgressDisplay(total: Int64(total)) : nil
            }
            _ = try await RecordConsumer(session: session, options: options).run(writer: writer, output: OutputSink(), progress: progress)
        }
    }
}

extension RecordFormat: ExpressibleByArgument {}

/// A delimiter as typed on the command line, with \n, \t, \r, \0 and \\ understood.
enum Delimiter {
    static func bytes(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var escaped = false
        for byte in text.utf8 {
            if escaped {
                switch byte {
                case UInt8(ascii: "n"): bytes.append(10)
                case UInt8(ascii: "t"): bytes.append(9)
                case UInt8(ascii: "r"): bytes.append(13)
                case UInt8(ascii: "0"): bytes.append(0)
                default: bytes.append(byte)
                }
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else {
                bytes.append(byte)
            }
        }
        return bytes
    }
}

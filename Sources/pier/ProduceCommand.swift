import ArgumentParser
import Foundation
import PierTools

struct ProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Write records to a topic, one per input line (like kafka-console-producer).",
        discussion: """
            Input is stdin or --file. With --format text (the default) each line is a value; with \
            --key-separator the text before the separator's first occurrence is the key. With \
            --format json each line is an object with optional "key", "value", "headers" ([[k, v], ...]) \
            and "partition"; bytes that are not UTF-8 are written {"base64": "..."}, exactly as \
            `pier consume --format json` prints them. Records go to --partition when given, else the \
            line's own partition, else the key's partition (murmur2, as Kafka's default partitioner), \
            else round robin. acks=all. Prints how many records went where on stderr.

            Example: printf 'alice:login\\nbob:logout\\n' | pier produce audit --key-separator :
            """
    )

    @OptionGroup var broker: BrokerOptions
    @Argument(help: "Topic to write.") var topic: String
    @Option(help: "Read lines from this file instead of stdin.") var file: String?
    @Option(help: "Input format: text or json.") var format: ProduceInputParser.Format = .text
    @Option(help: "In text input, the separator between key and value.") var keySeparator: String?
    @Option(name: .customLong("header"), help: "A header KEY=VALUE added to every record (repeatable).") var headers: [String] = []
    @Option(help: "Write every record to this partition.") var partition: Int32?

    func run() async throws {
        try await broker.run { session in
            let parser = ProduceInputParser(format: format, keySeparator: keySeparator, headers: try ProduceInputParser.headers(headers))
            let input: FileHandle
            var progress: ProgressDisplay?
            if let file {
                guard let handle = FileHandle(forReadingAtPath: file) else { throw ToolFailure("cannot read \(file)") }
                input = handle
                // A file's size is known, so the bar counts bytes read (at most one 1 MiB chunk ahead of the records sent).
                let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int64) ?? nil
                progress = size.map { ProgressDisplay(total: $0, unit: "bytes") }
            } else {
                input = FileHandle.standardInput
            }
            let producer = try await RecordProducer(session: session, topic: topic, partition: partition)
            var number = 0
            for try await line in LineReader(input) {
                number += 1
                try await producer.add(try parser.parse(line: line, number: number))
                if number % 4096 == 0, let progress { progress.update(done: Int64(input.offsetInFile)) }
            }
            let summary = try await producer.finish()
            progress?.finish(done: Int64(input.offsetInFile))
            let placement = summary.partitions.sorted { $0.key < $1.key }
                .map { "\(topic)-\($0.key) from offset \($0.value.firstOffset) (\($0.value.count))" }.joined(separator: ", ")
            FileHandle.standardError.write(Data("Produced \(summary.records) records\(placement.isEmpty ? "" : ": " + placement)\n".utf8))
        }
    }
}

extension ProduceInputParser.Format: ExpressibleByArgument {}

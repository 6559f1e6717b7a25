import ArgumentParser
import Foundation
import PierClient
import PierPerf

struct PerfCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perf",
        abstract: "Measure a broker's throughput and latency, like Kafka's perf-test tools.",
        discussion: """
            Works against any Kafka broker. Progress lines come every few seconds, a summary \
            line at the end; a failure is one line on stderr and a non-zero exit.
            """,
        subcommands: [PerfProduce.self, PerfConsume.self]
    )
}

struct PerfProduce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Send records to one partition and report records/s, MB/s and produce latency percentiles.",
        discussion: """
            Records of --record-size random bytes are batched as a producer batches them: a batch \
            goes when it holds --batch-bytes or its first record has waited --linger-ms. Latency is \
            per produce request, from send to acknowledgement.
            """
    )

    @Option(help: "A broker to start from, as HOST:PORT.")
    var bootstrap = "127.0.0.1:9092"
    @Option(help: "Topic to write (created on first use if the broker allows it).")
    var topic: String
    @Option(help: "Partition to write.")
    var partition: Int32 = 0
    @Option(help: "How many records to send.")
    var records: Int
    @Option(help: "Bytes of value per record.")
    var recordSize = 100
    @Option(help: "Largest record batch in bytes (the producer's batch.size).")
    var batchBytes = 1_048_576
    @Option(help: "How long a batch waits for more records (the producer's linger.ms).")
    var lingerMs = 5
    @Option(help: "Acknowledgements: 0 (none), 1 (leader), -1 or all.", transform: PerfProduce.parseAcks)
    var acks: Int16 = 1
    @Option(help: "Records per second to aim for; -1 for as fast as possible.")
    var throughput = -1
    @Option(help: "Produce requests awaiting acknowledgement at most.")
    var inFlight = 5
    @Option(help: "Milliseconds between progress lines.")
    var reportIntervalMs = 5_000

    static func parseAcks(_ text: String) throws -> Int16 {
        if text == "all" { return -1 }
        guard let acks = Int16(text) else { throw ValidationError("--acks must be 0, 1, -1 or all") }
        return acks
    }

    func run() async throws {
        var options = ProducePerf.Options(bootstrap: bootstrap, topic: topic, records: records)
        options.partition = partition
        options.recordSize = recordSize
        options.batchBytes = batchBytes
        options.linger = .milliseconds(lingerMs)
        options.acks = acks
        options.recordsPerSecond = throughput == -1 ? nil : throughput
        options.inFlight = inFlight
        options.reportInterval = .milliseconds(reportIntervalMs)
        let summary = try await PerfOutput.reportingFailures {
            try await ProducePerf(options: options).run(report: PerfOutput.line)
        }
        PerfOutput.line(PerfReport.produceSummary(summary))
    }
}

struct PerfConsume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Read records from one partition and report records/s and MB/s.",
        discussion: "Fetches one request at a time, as a consumer does for one partition, and decodes every batch."
    )

    @Option(help: "A broker to start from, as HOST:PORT.")
    var bootstrap = "127.0.0.1:9092"
    @Option(help: "Topic to read.")
    var topic: String
    @Option(help: "Partition to read.")
    var partition: Int32 = 0
    @Option(help: "How many records to read.")
    var records: Int
    @Option(help: "Offset to start at, or 'earliest'.")
    var offset = "earliest"
    @Option(help: "Most bytes per fetch (the consumer's max.partition.fetch.bytes).")
    var fetchBytes: Int32 = 1_048_576
    @Option(help: "How long the broker may hold a fetch waiting for records.")
    var maxWaitMs = 500
    @Option(help: "Give up when no record arrives for this many milliseconds.")
    var timeoutMs = 10_000
    @Option(help: "Milliseconds between progress lines.")
    var reportIntervalMs = 5_000

    func run() async throws {
        var options = ConsumePerf.Options(bootstrap: bootstrap, topic: topic, records: records)
        options.partition = partition
        switch offset {
        case "earliest": options.from = .earliest
        default:
            guard let start = Int64(offset) else { throw ValidationError("--offset must be a number or 'earliest'") }
            options.from = .offset(start)
        }
        options.fetchBytes = fetchBytes
        options.maxWait = .milliseconds(maxWaitMs)
        options.timeout = .milliseconds(timeoutMs)
        options.reportInterval = .milliseconds(reportIntervalMs)
        let summary = try await PerfOutput.reportingFailures {
            try await ConsumePerf(options: options).run(report: PerfOutput.line)
        }
        PerfOutput.line(PerfReport.consumeSummary(summary))
    }
}

private enum PerfOutput {
    /// Written at once, so progress shows while the run goes on even when stdout is a pipe.
    @Sendable static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Client and run failures become one line on stderr (CLIFailure), not a stack of error types.
    static func reportingFailures<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let failure as PerfFailure {
            throw CLIFailure(failure.description)
        } catch let failure as KafkaClientError {
            throw CLIFailure(failure.description)
        }
    }
}

import ArgumentParser
import PierTools

struct DumpLogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump-log",
        abstract: "Print the batches of segment-engine files, like kafka-dump-log (offline).",
        discussion: """
            A .log file gives one line per batch: baseOffset, lastOffset, count, base and last \
            sequence, producerId, producerEpoch, partitionLeaderEpoch, isTransactional, isControl, \
            position, baseTimestamp and max timestamp (CreateTime or LogAppendTime), size, magic, \
            compresscodec, crc and isvalid (whether the CRC-32C checks out). --print-records adds a line \
            per record (offset, timestamp, key and value sizes, sequence, header keys, key, payload). \
            .index and .timeindex files give one line per entry. A file that ends in a torn or \
            malformed batch says so and exits non-zero.

            Example: pier dump-log ./pier-data/audit-0/00000000000000000000.log --print-records
            """
    )

    @Argument(help: "Segment files (.log, .index, .timeindex).") var paths: [String]
    @Flag(help: "Print every record of each batch.") var printRecords = false

    func run() throws {
        var intact = true
        try reportingFailures {
            for path in paths {
                intact = try SegmentDump.dump(path: path, printRecords: printRecords) { print($0) } && intact
            }
        }
        if !intact { throw ExitCode(2) }
    }
}

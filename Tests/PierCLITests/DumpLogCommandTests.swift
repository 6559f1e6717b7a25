import Foundation
import Testing

extension RealBrokerSuites {
    /// `pier dump-log` on the files of a segment-engine `pier serve`.
    @Suite(.serialized) struct DumpLogCommandTests {
        @Test func batchesRecordsAndIndexes() throws {
            let broker = try BrokerProcess(arguments: ["--engine", "segments"])
            try pierSucceeds(["topic", "create", "seg"], broker: broker)
            try pierSucceeds(["produce", "seg", "--key-separator", ":", "--header", "h=1"], broker: broker, input: "k1:v1\nk2:v2\n")
            try pierSucceeds(["produce", "seg"], broker: broker, input: "v3\n")
            #expect(broker.stop() == 0)
            let directory = broker.dataDirectory.appendingPathComponent("seg-0")
            let log = directory.appendingPathComponent("00000000000000000000.log").path

            let batches = try pierSucceeds(["dump-log", log]).split(separator: "\n").map(String.init)
            #expect(batches.count == 4, "\(batches)")
            #expect(batches[0] == "Dumping \(log)")
            #expect(batches[1] == "Log starting offset: 0")
            #expect(batches[2].hasPrefix("baseOffset: 0 lastOffset: 1 count: 2 baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1"))
            #expect(batches[2].contains(" position: 0 ") && batches[2].contains(" compresscodec: none ") && batches[2].hasSuffix(" isvalid: true"))
            #expect(batches[3].hasPrefix("baseOffset: 2 lastOffset: 2 count: 1 "))

            let records = try pierSucceeds(["dump-log", log, "--print-records"]).split(separator: "\n").map(String.init)
            #expect(records.count == 7)
            #expect(records[3].hasPrefix("| offset: 0 timestamp: "))
            #expect(records[3].hasSuffix(" keySize: 2 valueSize: 2 sequence: -1 headerKeys: [h] key: k1 payload: v1"))
            #expect(records[6].hasSuffix(" keySize: -1 valueSize: 2 sequence: -1 headerKeys: [] key: null payload: v3"))

            // Closing the log wrote its indexes.
            let index = directory.appendingPathComponent("00000000000000000000.index").path
            if FileManager.default.fileExists(atPath: index) {
                #expect(try pierSucceeds(["dump-log", index]).hasPrefix("Dumping \(index)\n"))
            }

            // A torn tail: the dump says where and fails.
            let torn = FileManager.default.temporaryDirectory.appendingPathComponent("pier-torn-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: torn, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: torn) }
            let tornLog = torn.appendingPathComponent("00000000000000000000.log").path
            let bytes = try Data(contentsOf: URL(fileURLWithPath: log))
            try bytes.dropLast(10).write(to: URL(fileURLWithPath: tornLog))
            let outcome = try PierBinary.run(["dump-log", tornLog])
            #expect(outcome.status != 0)
            // The first batch (two keyed records with a header) is 91 bytes; the second lost its last 10.
            #expect(outcome.stdout.hasSuffix("Found a truncated batch at position 91: \(bytes.count - 10 - 91) bytes remain\n"), "\(outcome.stdout)")

            #expect(try pierFails(["dump-log", torn.appendingPathComponent("x.txt").path]).hasSuffix("is not a .log, .index or .timeindex file"))
        }
    }
}

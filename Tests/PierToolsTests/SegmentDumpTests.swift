import Foundation
import NIOCore
import PierRecords
import Testing

@testable import PierTools

@Suite struct SegmentDumpTests {
    @Test func dumpsBatchesRecordsAndIndexEntries() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dump-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var log = ByteBuffer()
        var first = RecordBatch.make(baseOffset: 100, records: [NewRecord(key: "k", value: "v", headers: [("h", "1")], timestamp: 7)],
                                     producerId: 9, producerEpoch: 2, baseSequence: 4)
        first.header.partitionLeaderEpoch = 3
        try first.encode(into: &log)
        try RecordBatch.make(baseOffset: 101, records: [NewRecord(key: nil, value: "\u{1}", timestamp: 8), NewRecord(key: nil, value: "w", timestamp: 9)],
                             compression: .gzip).encode(into: &log)
        let path = directory.appendingPathComponent("00000000000000000100.log").path
        try Data(log.readableBytesView).write(to: URL(fileURLWithPath: path))

        var lines: [String] = []
        #expect(try SegmentDump.dump(path: path, printRecords: true) { lines.append($0) })
        #expect(lines.count == 7)
        #expect(lines[1] == "Log starting offset: 100")
        #expect(lines[2].hasPrefix("baseOffset: 100 lastOffset: 100 count: 1 baseSequence: 4 lastSequence: 4 producerId: 9 producerEpoch: 2 partitionLeaderEpoch: 3 "))
        #expect(lines[3] == "| offset: 100 timestamp: 7 keySize: 1 valueSize: 1 sequence: 4 headerKeys: [h] key: k payload: v")
        #expect(lines[4].contains(" compresscodec: gzip ") && lines[4].hasSuffix("isvalid: true"))
        #expect(lines[5] == "| offset: 101 timestamp: 8 keySize: -1 valueSize: 1 sequence: -1 headerKeys: [] key: null payload: x'01'")

        // A flipped byte in the second batch's records: its CRC no longer checks out.
        var damaged = log
        let lastIndex = damaged.writerIndex - 1
        damaged.setInteger(damaged.getInteger(at: lastIndex, as: UInt8.self)! ^ 0xFF, at: lastIndex)
        try Data(damaged.readableBytesView).write(to: URL(fileURLWithPath: path))
        lines = []
        #expect(try SegmentDump.dump(path: path, printRecords: false) { lines.append($0) })
        #expect(lines[3].hasSuffix("isvalid: false"))

        var index = ByteBuffer()
        index.writeInteger(UInt32(0)); index.writeInteger(UInt32(0))
        index.writeInteger(UInt32(1)); index.writeInteger(UInt32(80))
        let indexPath = directory.appendingPathComponent("00000000000000000100.index").path
        try Data(index.readableBytesView).write(to: URL(fileURLWithPath: indexPath))
        lines = []
        #expect(try SegmentDump.dump(path: indexPath, printRecords: false) { lines.append($0) })
        #expect(Array(lines.dropFirst()) == ["offset: 100 position: 0", "offset: 101 position: 80"])

        var timeIndex = ByteBuffer()
        timeIndex.writeInteger(Int64(9)); timeIndex.writeInteger(UInt32(2)); timeIndex.writeInteger(UInt8(1))
        let timeIndexPath = directory.appendingPathComponent("00000000000000000100.timeindex").path
        try Data(timeIndex.readableBytesView).write(to: URL(fileURLWithPath: timeIndexPath))
        lines = []
        #expect(try !SegmentDump.dump(path: timeIndexPath, printRecords: false) { lines.append($0) })
        #expect(Array(lines.dropFirst()) == ["timestamp: 9 offset: 102", "The file ends in 1 bytes that are not a whole entry"])
    }
}

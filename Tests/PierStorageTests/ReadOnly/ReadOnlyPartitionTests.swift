import Foundation
import NIOCore
import PierRecords
import PierStorage
import Testing

/// `ReadOnlyPartitionOpener` on both engines: the records a log holds, read without opening it for
/// writing, while the writer still has it open and after it closed.
@Suite struct ReadOnlyPartitionTests {
    enum Engine: CaseIterable { case sqlite, segments }

    func openWriter(_ engine: Engine, _ directory: ConformanceDirectory) throws -> any PartitionLog {
        switch engine {
        case .sqlite: try SQLitePartitionLog(directory: directory.partition)
        case .segments:
            // Small segments, so a read crosses segment files.
            try SegmentPartitionLog(directory: directory.partition, configuration: SegmentLogConfiguration(segmentBytes: 2048, indexIntervalBytes: 256))
        }
    }

    @Test(arguments: Engine.allCases)
    func readsExactlyTheRecordsOfARange(_ engine: Engine) throws {
        let directory = ConformanceDirectory("read-only")
        defer { directory.remove() }
        let writer = try openWriter(engine, directory)
        for index in 0..<20 {
            _ = try writer.append([ConformanceFixtures.batch(count: 5, timestamp: ConformanceFixtures.baseTimestamp + Int64(index) * 10,
                                                             label: "b\(index)-")], as: ConformanceFixtures.leader)
        }
        try writer.updateHighWatermark(writer.logEndOffset)
        try writer.flush()
        let expected = try ConformanceFixtures.readAll(writer)

        // Beside the open writer.
        let reader = try ReadOnlyPartitionOpener.open(directory: directory.partition)
        #expect(reader.logStartOffset == 0)
        #expect(reader.logEndOffset == 100)
        var seen: [StoredRecord] = []
        let next = try reader.readRecords(in: 13..<58) { seen.append($0); return true }
        #expect(next == 58)
        #expect(seen.map(\.offset) == Array(13..<58))
        for record in seen {
            let original = expected[Int(record.offset)]
            #expect(record.timestamp == original.timestamp)
            #expect(record.key == original.record.key)
            #expect(record.value == original.record.value)
            #expect(record.headers == original.record.headers)
        }
        // Stopping early reports where it stopped.
        var count = 0
        #expect(try reader.readRecords(in: 0..<100) { _ in count += 1; return count < 3 } == 3)
        // Timestamps: batch 4 starts at base + 40.
        #expect(try reader.offset(forTimestamp: ConformanceFixtures.baseTimestamp + 40) == 20)
        #expect(try reader.offset(forTimestamp: ConformanceFixtures.baseTimestamp + 100_000) == nil)
        reader.close()

        try writer.close()
        let afterClose = try ReadOnlyPartitionOpener.open(directory: directory.partition)
        var all: [Int64] = []
        try afterClose.readRecords(in: 0..<100) { all.append($0.offset); return true }
        #expect(all == Array(0..<100))
        afterClose.close()
    }

    @Test func missingOrForeignDirectoriesAreUnreadable() throws {
        let directory = ConformanceDirectory("read-only-missing")
        defer { directory.remove() }
        #expect(throws: StorageError.unreadableStore("no partition directory at \(directory.partition)")) {
            try ReadOnlyPartitionOpener.open(directory: directory.partition)
        }
        try FileManager.default.createDirectory(atPath: directory.partition, withIntermediateDirectories: true)
        #expect(throws: StorageError.unreadableStore("\(directory.partition) holds neither partition.sqlite nor segment files")) {
            try ReadOnlyPartitionOpener.open(directory: directory.partition)
        }
    }

    @Test func aSQLitePartitionIsNeitherCreatedNorChanged() throws {
        let directory = ConformanceDirectory("read-only-unchanged")
        defer { directory.remove() }
        let writer = try SQLitePartitionLog(directory: directory.partition)
        _ = try writer.append([ConformanceFixtures.batch(count: 3)], as: ConformanceFixtures.leader)
        try writer.close()
        let file = directory.partition + "/partition.sqlite"
        let before = try Data(contentsOf: URL(fileURLWithPath: file))
        let reader = try ReadOnlyPartitionOpener.open(directory: directory.partition)
        var offsets: [Int64] = []
        try reader.readRecords(in: 0..<3) { offsets.append($0.offset); return true }
        reader.close()
        #expect(offsets == [0, 1, 2])
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == before)
    }
}

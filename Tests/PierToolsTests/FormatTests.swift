import Foundation
import NIOCore
import PierRecords
import PierStorage
import Testing

@testable import PierTools

@Suite struct RecordFormatTests {
    @Test func jsonLinesCarryEverythingLosslessly() {
        let record = StoredRecord(offset: 3, timestamp: 42, key: ByteBuffer(bytes: [0xFF, 0x00]), value: ByteBuffer(string: "a \"quoted\"\n\u{1}"),
                                  headers: [RecordHeader(key: "h", value: nil)])
        #expect(RecordWriter.jsonLine(record, partition: 1)
            == #"{"partition":1,"offset":3,"timestamp":42,"key":{"base64":"/wA="},"value":"a \"quoted\"\n\u0001","headers":[["h",null]]}"#)
    }

    @Test func rawWritesValueBytesAndTheDelimiter() {
        var out = ByteBuffer()
        let writer = RecordWriter(format: .raw, delimiter: [0])
        writer.write(StoredRecord(offset: 0, timestamp: 0, key: nil, value: ByteBuffer(bytes: [1, 2]), headers: []), partition: 0, to: &out)
        writer.write(StoredRecord(offset: 1, timestamp: 0, key: nil, value: nil, headers: []), partition: 0, to: &out)
        #expect(Array(out.readableBytesView) == [1, 2, 0, 0])
    }

    @Test func jsonInputReadsWhatJSONOutputWrites() throws {
        let parser = ProduceInputParser(format: .json, headers: [RecordHeader(key: "extra", value: ByteBuffer(string: "1"))])
        let record = try parser.parse(line: #"{"key":{"base64":"/wA="},"value":"v","headers":[["h",null]],"partition":2}"#, number: 1)
        #expect(record == InputRecord(key: ByteBuffer(bytes: [0xFF, 0x00]), value: ByteBuffer(string: "v"),
                                      headers: [RecordHeader(key: "h", value: nil), RecordHeader(key: "extra", value: ByteBuffer(string: "1"))],
                                      partition: 2))
        #expect(throws: ToolFailure("line 4: key must be a string, null or {\"base64\": \"...\"}")) {
            try parser.parse(line: #"{"key": 5}"#, number: 4)
        }
    }

    @Test func textInputSplitsAtTheFirstSeparator() throws {
        let parser = ProduceInputParser(format: .text, keySeparator: "::")
        #expect(try parser.parse(line: "a::b::c", number: 1) == InputRecord(key: ByteBuffer(string: "a"), value: ByteBuffer(string: "b::c")))
        #expect(throws: ToolFailure("line 2 has no key separator '::'")) { try parser.parse(line: "abc", number: 2) }
        #expect(try ProduceInputParser(format: .text).parse(line: "x:y", number: 1) == InputRecord(key: nil, value: ByteBuffer(string: "x:y")))
    }

    /// Expected partitions from kafka-python's murmur2 (the Java client's algorithm).
    @Test func keyedRecordsGoWhereKafkaPutsThem() {
        #expect(KeyPartitioner.murmur2(Array("".utf8)) & 0x7fff_ffff == 275_646_681)
        #expect(KeyPartitioner.murmur2(Array("a".utf8)) & 0x7fff_ffff == 584_102_524)
        #expect(KeyPartitioner.murmur2(Array("key-17".utf8)) & 0x7fff_ffff == 956_945_460)
        #expect(KeyPartitioner.murmur2(Array("0123456789".utf8)) & 0x7fff_ffff == 1_515_780_008)
        #expect(KeyPartitioner.partition(forKey: Array("alice".utf8), partitionCount: 4) == 1_951_417_749 % 4)
    }

    @Test func timesAreMillisecondsOrISO8601() throws {
        #expect(try TimeArgument.milliseconds("1764000000000", option: "--from-time") == 1_764_000_000_000)
        #expect(try TimeArgument.milliseconds("2025-11-24T16:00:00Z", option: "--from-time") == 1_764_000_000_000)
        #expect(try TimeArgument.milliseconds("2025-11-24T17:00:00.250+01:00", option: "--from-time") == 1_764_000_000_250)
        #expect(try TimeArgument.milliseconds("2025-11-24", option: "--from-time") == 1_763_942_400_000)
        #expect(throws: ToolFailure.self) { try TimeArgument.milliseconds("soon", option: "--from-time") }
    }
}

@Suite struct TablesAndProgressTests {
    @Test func tablesPadEveryColumnButTheLast() {
        let table = TextTable(header: ["TOPIC", "LAG"], rows: [["audit", "6"], ["a", "12345"]])
        #expect(table.rendered == "TOPIC  LAG\naudit  6\na      12345")
    }

    @Test func sqlRowsAsCSVAndJSON() {
        var csv = SQLResultWriter(format: .csv)
        #expect(csv.begin(columns: ["a", "b,c"]) == ["a,\"b,c\""])
        #expect(csv.add([.text("say \"hi\""), .null]) == ["\"say \"\"hi\"\"\","])
        #expect(csv.add([.blob([0, 0xFF]), .real(1.5)]) == ["x'00ff',1.5"])
        var json = SQLResultWriter(format: .json)
        _ = json.begin(columns: ["n", "t", "b", "z"])
        #expect(json.add([.integer(3), .text("x"), .blob(Array("ok".utf8)), .null]) == [#"{"n":3,"t":"x","b":"ok","z":null}"#])
        var table = SQLResultWriter(format: .table)
        _ = table.begin(columns: ["n"])
        #expect(table.add([.null]).isEmpty)
        #expect(table.end() == ["n\nNULL"])
    }

    @Test func progressBarShowsRateAndETA() {
        let bar = ProgressBar(total: 1_000_000, width: 10)
        #expect(bar.render(done: 250_000, elapsedSeconds: 2) == "[##--------]  25%  250000/1000000 records  125.0k/s  ETA 6s")
        #expect(bar.render(done: 1_000_000, elapsedSeconds: 8) == "[##########] 100%  1000000/1000000 records  125.0k/s  done")
        #expect(bar.render(done: 0, elapsedSeconds: 0) == "[----------]   0%  0/1000000 records  0/s  ETA ?")
        #expect(ProgressBar.duration(3725) == "1h02m")
        #expect(ProgressBar.duration(61) == "1m01s")
    }

    @Test func offsetResetTargetsStayInsideTheLog() {
        #expect(OffsetReset.newOffset(for: .offset(1000), earliest: 5, latest: 50, offsetForTime: nil) == 50)
        #expect(OffsetReset.newOffset(for: .offset(1), earliest: 5, latest: 50, offsetForTime: nil) == 5)
        #expect(OffsetReset.newOffset(for: .earliest, earliest: 5, latest: 50, offsetForTime: nil) == 5)
        #expect(OffsetReset.newOffset(for: .datetime(0), earliest: 5, latest: 50, offsetForTime: -1) == 50)
        #expect(OffsetReset.newOffset(for: .datetime(0), earliest: 5, latest: 50, offsetForTime: 17) == 17)
    }

    @Test func groupLagIsLogEndMinusCommitted() {
        #expect(GroupPartitionLag(topic: "t", partition: 0, committedOffset: 4, logEndOffset: 10).lag == 6)
        #expect(GroupPartitionLag(topic: "t", partition: 0, committedOffset: nil, logEndOffset: 10).lag == nil)
    }
}

@Suite struct DataDirectoryTests {
    @Test func partitionDirectoriesAreTopicDashNumber() {
        #expect(DataDirectoryLayout.parse(directoryName: "audit-3")! == ("audit", 3))
        #expect(DataDirectoryLayout.parse(directoryName: "my-topic-10")! == ("my-topic", 10))
        #expect(DataDirectoryLayout.parse(directoryName: "coordination.db") == nil)
        #expect(DataDirectoryLayout.parse(directoryName: "-1") == nil)
    }

    @Test func queriesNameTopicsByTheirWords() {
        let words = SQLQuery.words(in: #"SELECT a.value FROM audit a JOIN "login-events" l ON l.key = a.key WHERE x = 'orders.v1'"#)
        #expect(words.contains("audit") && words.contains("login-events") && words.contains("orders.v1") && words.contains("a"))
        #expect(!words.contains("audi"))
        #expect(SQLQuery.quoted(#"we"ird"#) == #""we""ird""#)
    }

    @Test func resumeFilesRoundTripAndRefuseAnotherRange() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = ResumeFile(path: path, partition: "audit-0", range: 10..<20)
        #expect(try file.load() == nil)
        try file.save(next: 15)
        #expect(try file.load() == 15)
        #expect(throws: ToolFailure("resume file \(path) belongs to a replay of audit-0 offsets 10..<20, not of audit-1 offsets 10..<20")) {
            try ResumeFile(path: path, partition: "audit-1", range: 10..<20).load()
        }
    }
}

import NIOCore
import PierRecords
import PierStorage
import Testing

@testable import PierTools

@Suite struct ReplayChecksumTests {
    static let record = StoredRecord(offset: 5, timestamp: 1000, key: ByteBuffer(string: "k"), value: ByteBuffer(string: "v"),
                                     headers: [RecordHeader(key: "h", value: ByteBuffer(string: "x")), RecordHeader(key: "n", value: nil)])

    @Test func encodesARecordAsDocumented() {
        var encoded = ByteBuffer()
        ReplayChecksum.encode(Self.record, into: &encoded)
        let hex = encoded.readableBytesView.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        #expect(hex == "000000000000000500000000000003e8000000016b00000001760000000200000001680000000178000000016effffffff")
    }

    /// Digests computed with Python's hashlib over the same bytes.
    @Test func digestsMatchSHA256OfTheEncoding() {
        var checksum = ReplayChecksum()
        #expect(checksum.digest() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        checksum.add(Self.record)
        #expect(checksum.digest() == "113b13dd7d66bae775b3eb69c8f53fb3664feefe0f8992bd35e0aa925d280631")
        checksum.add(StoredRecord(offset: 6, timestamp: -1, key: nil, value: ByteBuffer(), headers: []))
        #expect(checksum.digest() == "f434841cb1d05c12f3f9ab4d5ead735e32c06ad8483a0730babd160a791e09d4")
        #expect(checksum.recordCount == 2)
    }

    @Test func aChangedByteChangesTheDigest() {
        var original = ReplayChecksum(), changed = ReplayChecksum()
        original.add(Self.record)
        var altered = Self.record
        altered.value = ByteBuffer(string: "w")
        changed.add(altered)
        #expect(original.digest() != changed.digest())
    }
}

@Suite struct ReplayRequestTests {
    let name = "audit-0"

    @Test func offsetsAreInclusiveAndTimesExclusiveAtTheEnd() throws {
        let request = ReplayRequest(from: .offset(10), to: .offset(19))
        #expect(try request.resolve(partition: name, logStart: 0, logEnd: 100, offsetsForTimes: [:]) == 10..<20)
        let byTime = ReplayRequest(from: .time(1_000), to: .time(2_000))
        #expect(try byTime.resolve(partition: name, logStart: 0, logEnd: 100, offsetsForTimes: [1_000: 30, 2_000: 40]) == 30..<40)
        // No record at or after the end time: to the log end. None after the start time: empty.
        #expect(try byTime.resolve(partition: name, logStart: 0, logEnd: 100, offsetsForTimes: [1_000: 30]) == 30..<100)
        #expect(try byTime.resolve(partition: name, logStart: 0, logEnd: 100, offsetsForTimes: [:]) == 100..<100)
        #expect(try ReplayRequest(from: nil, to: nil).resolve(partition: name, logStart: 7, logEnd: 9, offsetsForTimes: [:]) == 7..<9)
    }

    @Test func badRangesSayWhatIsWrong() {
        func failure(_ request: ReplayRequest) -> String? {
            do {
                _ = try request.resolve(partition: name, logStart: 10, logEnd: 100, offsetsForTimes: [:])
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(failure(ReplayRequest(from: .offset(5), to: .offset(20))) == "bad offset range: --from-offset 5 is below the log start offset 10 of audit-0")
        #expect(failure(ReplayRequest(from: .offset(20), to: .offset(100))) == "bad offset range: --to-offset 100 is at or past the log end offset 100 of audit-0")
        #expect(failure(ReplayRequest(from: .offset(20), to: .offset(19))) == "bad offset range: --from-offset 20 is after --to-offset 19")
        #expect(failure(ReplayRequest(from: .offset(-1), to: nil)) == "bad offset range: --from-offset -1 is negative")
        #expect(failure(ReplayRequest(from: .offset(150), to: nil)) == "bad offset range: --from-offset 150 is at or past the log end offset 100 of audit-0")
    }
}

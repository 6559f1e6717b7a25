import NIOCore
import PierRecords
import Testing
@testable import PierPerf

@Suite struct ConsumeCountTests {
    private func batch(baseOffset: Int64, values: [String]) throws -> ByteBuffer {
        try RecordBatch.make(baseOffset: baseOffset, records: values.map { NewRecord(key: "k", value: $0, timestamp: 1) }).encoded()
    }

    @Test func countsOnlyRecordsAtOrAfterTheOffsetAskedFor() throws {
        var fetched = try batch(baseOffset: 10, values: ["a", "bb", "ccc"])
        var second = try batch(baseOffset: 13, values: ["dddd"])
        fetched.writeBuffer(&second)
        // Asking from 11: the first batch starts before it.
        let counted = try ConsumePerf.count(fetched, from: 11, limit: 100)
        #expect(counted == ConsumePerf.Counted(records: 3, bytes: (1 + 2) + (1 + 3) + (1 + 4), nextOffset: 14))
    }

    @Test func stopsAtTheLimit() throws {
        let fetched = try batch(baseOffset: 0, values: ["a", "b", "c", "d"])
        #expect(try ConsumePerf.count(fetched, from: 0, limit: 2) == ConsumePerf.Counted(records: 2, bytes: 4, nextOffset: 2))
    }

    @Test func aBatchCutShortAtTheEndIsLeftForTheNextFetch() throws {
        var fetched = try batch(baseOffset: 0, values: ["a"])
        let whole = try batch(baseOffset: 1, values: ["b", "c"])
        fetched.writeBytes(whole.readableBytesView.prefix(whole.readableBytes - 5))
        #expect(try ConsumePerf.count(fetched, from: 0, limit: 10) == ConsumePerf.Counted(records: 1, bytes: 2, nextOffset: 1))
        #expect(try ConsumePerf.count(ByteBuffer(), from: 5, limit: 10) == ConsumePerf.Counted(records: 0, bytes: 0, nextOffset: 5))
    }
}

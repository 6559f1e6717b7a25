import NIOCore
@testable import PierBroker
import PierRecords
import Testing

@Suite struct FetchBudgetTests {
    /// Concatenated batches of the given record counts, and each batch's size.
    static func batches(_ counts: [Int]) throws -> (ByteBuffer, [Int]) {
        var all = ByteBuffer()
        var sizes: [Int] = []
        for (index, count) in counts.enumerated() {
            var one = try RecordBatch.make(baseOffset: Int64(index * 100),
                                           records: (0..<count).map { NewRecord(key: "k", value: String(repeating: "v", count: 100), timestamp: Int64($0)) }).encoded()
            sizes.append(one.readableBytes)
            all.writeBuffer(&one)
        }
        return (all, sizes)
    }

    @Test func firstPartitionWithDataGetsOneBatchEvenWhenTooLarge() throws {
        let (bytes, sizes) = try Self.batches([10, 1])
        var budget = FetchBudget(responseMaxBytes: 50)
        let limit = try #require(budget.readLimit(partitionMaxBytes: 1_000_000))
        #expect(limit == 50)
        let taken = budget.take(bytes, limit: limit)
        #expect(taken.readableBytes == sizes[0])
        #expect(budget.remainingBytes == 0)
        #expect(budget.readLimit(partitionMaxBytes: 1_000_000) == nil, "nothing is owed any more and nothing is left")
    }

    @Test func laterPartitionsGetOnlyWholeBatchesThatFit() throws {
        let (bytes, sizes) = try Self.batches([1, 1, 1])
        var budget = FetchBudget(responseMaxBytes: Int32(sizes[0] * 10))
        _ = budget.take(bytes.getSlice(at: 0, length: sizes[0])!, limit: sizes[0])
        let limit = sizes[0] + sizes[1] + 5
        let taken = budget.take(bytes, limit: limit)
        #expect(taken.readableBytes == sizes[0] + sizes[1])
        let tooSmall = budget.take(bytes, limit: sizes[0] - 1)
        #expect(tooSmall.readableBytes == 0)
    }

    @Test func partitionLimitAndResponseLimitBothApply() {
        let budget = FetchBudget(responseMaxBytes: 1000)
        #expect(budget.readLimit(partitionMaxBytes: 300) == 300)
        #expect(budget.readLimit(partitionMaxBytes: 5000) == 1000)
        #expect(budget.readLimit(partitionMaxBytes: 0) == 0, "one batch is still owed")
    }

    @Test func emptyReadsOweTheBatchToTheNextPartition() throws {
        var budget = FetchBudget(responseMaxBytes: 10)
        _ = budget.take(ByteBuffer(), limit: 10)
        #expect(budget.owesOneBatch)
        let (bytes, sizes) = try Self.batches([3])
        #expect(budget.take(bytes, limit: 10).readableBytes == sizes[0])
    }

    @Test func aPartialTrailingBatchIsDropped() throws {
        let (bytes, sizes) = try Self.batches([2, 2])
        let cut = bytes.getSlice(at: 0, length: sizes[0] + 20)!
        var budget = FetchBudget(responseMaxBytes: 1_000_000)
        #expect(budget.take(cut, limit: 1_000_000).readableBytes == sizes[0])
    }
}

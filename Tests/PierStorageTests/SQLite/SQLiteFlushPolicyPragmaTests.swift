import GRDB
@testable import PierStorage
import Testing

/// The flush policy reaches SQLite's `synchronous` setting of the partition's connection (GRDB sets
/// NORMAL when it switches to WAL, after the configuration's own setup).
@Suite struct SQLiteFlushPolicyPragmaTests {
    @Test(arguments: [(FlushPolicy.everyAppend, 2), (.operatingSystem, 1), (.interval(milliseconds: 1000), 1)])
    func synchronousFollowsTheFlushPolicy(_ policy: FlushPolicy, _ expected: Int) throws {
        let directory = ConformanceDirectory("sqlite-synchronous")
        defer { directory.remove() }
        let queue = try PartitionDatabase.open(directory: directory.partition, options: SQLitePartitionLogOptions(flushPolicy: policy))
        defer { try? queue.close() }
        #expect(try queue.inDatabase { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == expected)
    }
}

import Foundation
import GRDB
import NIOCore
import PierRecords
import PierStorage
import Testing

/// What the SQLite engine does with files and conditions it did not expect: typed errors, and
/// nothing already committed lost.
@Suite struct SQLiteBadInputTests {
    private typealias F = ConformanceFixtures

    private func databasePath(_ directory: ConformanceDirectory) -> String { directory.partition + "/partition.sqlite" }

    @Test func aFileThatIsNotSQLiteIsUnreadable() throws {
        let directory = ConformanceDirectory("sqlite-notadb")
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.partition, withIntermediateDirectories: true)
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
        try garbage.write(to: URL(fileURLWithPath: databasePath(directory)))
        guard case .unreadableStore = F.storageError({ try SQLitePartitionLog(directory: directory.partition) }) else {
            Issue.record("a non-SQLite file was opened")
            return
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: databasePath(directory))) == garbage)
    }

    @Test func anotherProgramsDatabaseIsRefusedAndLeftAlone() throws {
        let directory = ConformanceDirectory("sqlite-foreign")
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.partition, withIntermediateDirectories: true)
        let foreign = try DatabaseQueue(path: databasePath(directory))
        try foreign.write { db in
            try db.execute(sql: "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER); INSERT INTO invoices VALUES (1, 250)")
        }
        try foreign.close()
        guard case .unreadableStore(let message) = F.storageError({ try SQLitePartitionLog(directory: directory.partition) }) else {
            Issue.record("a foreign database was opened")
            return
        }
        #expect(message.contains("not a Pier partition"))
        let reopened = try DatabaseQueue(path: databasePath(directory))
        #expect(try reopened.read { try Int.fetchOne($0, sql: "SELECT total FROM invoices WHERE id = 1") } == 250)
        #expect(try reopened.read { try $0.tableExists("records") } == false)
        try reopened.close()
    }

    @Test func aPartitionFromANewerPierIsRefused() throws {
        let directory = ConformanceDirectory("sqlite-newer")
        defer { directory.remove() }
        let log = try SQLitePartitionLog(directory: directory.partition)
        _ = try log.append([F.batch(count: 2)], as: F.leader)
        try log.close()
        let database = try DatabaseQueue(path: databasePath(directory))
        try database.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('999-from-the-future')") }
        try database.close()
        guard case .unreadableStore(let message) = F.storageError({ try SQLitePartitionLog(directory: directory.partition) }) else {
            Issue.record("a newer partition was opened")
            return
        }
        #expect(message.contains("newer Pier"))
    }

    @Test func aFullDiskFailsTheAppendAndKeepsWhatWasCommitted() throws {
        let directory = ConformanceDirectory("sqlite-full")
        defer { directory.remove() }
        // A quota of 64 pages (256 KiB at 4 KiB pages) stands in for a full disk: SQLITE_FULL.
        let log = try SQLitePartitionLog(directory: directory.partition, options: SQLitePartitionLogOptions(maxPageCount: 64))
        var acknowledged: Int64 = 0
        var failure: StorageError?
        for _ in 0..<200 {
            do {
                acknowledged = try log.append([F.batch(count: 10, valueSize: 500)], as: F.leader).lastOffset + 1
            } catch {
                failure = error
                break
            }
        }
        guard case .writeFailed = failure else {
            Issue.record("expected writeFailed, got \(String(describing: failure))")
            return
        }
        #expect(acknowledged > 0)
        #expect(log.logEndOffset == acknowledged)
        #expect(try F.readAll(log).map(\.offset) == Array(0..<acknowledged))
        // Reads keep working on a full disk, and so does freeing space.
        try log.deleteRecords(before: acknowledged / 2)
        #expect(try log.append([F.batch(count: 1)], as: F.leader).baseOffsets == [acknowledged])
        try log.close()
        let reopened = try SQLitePartitionLog(directory: directory.partition)
        defer { try? reopened.close() }
        #expect(reopened.logEndOffset == acknowledged + 1 && reopened.logStartOffset == acknowledged / 2)
    }

    @Test func anAppendAtTheWrongOffsetChangesNothing() throws {
        let directory = ConformanceDirectory("sqlite-wrong-offset")
        defer { directory.remove() }
        let log = try SQLitePartitionLog(directory: directory.partition)
        defer { try? log.close() }
        _ = try log.append([F.batch(count: 4, baseOffset: 0)], as: .follower)
        #expect(F.storageError { try log.append([F.batch(count: 1, baseOffset: 4), F.batch(count: 1, baseOffset: 4)], as: .follower) }
                == .offsetMismatch(expected: 5, got: 4))
        let database = try DatabaseQueue(path: databasePath(directory))
        defer { try? database.close() }
        #expect(try database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM records") } == 4)
        #expect(try database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM batches") } == 1)
    }
}

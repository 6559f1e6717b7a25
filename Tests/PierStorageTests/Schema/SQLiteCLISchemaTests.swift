import Foundation
import Testing

/// Runs the schema through the real `sqlite3` command-line shell, the tool operators will use: each
/// migration in order on a fresh file, then every statement under EXPLAIN (which compiles it
/// against the schema without running it).
@Suite struct SQLiteCLISchemaTests {
    static let sqlite3 = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @discardableResult
    static func run(_ database: String, _ sql: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(sqlite3, "the sqlite3 CLI is not installed"))
        process.arguments = ["-bail", database]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(sql.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static let schemaDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("schema/sqlite/partition")

    static func sqlFiles(_ folder: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test func migrationsAndStatementsRunInTheCLI() throws {
        let database = NSTemporaryDirectory() + "pier-cli-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: database) }
        for file in try Self.sqlFiles(Self.schemaDirectory) {
            let result = try Self.run(database, try String(contentsOf: file, encoding: .utf8))
            #expect(result.status == 0, "\(file.lastPathComponent): \(result.output)")
        }
        for file in try Self.sqlFiles(Self.schemaDirectory.appendingPathComponent("statements")) {
            let result = try Self.run(database, "EXPLAIN " + (try String(contentsOf: file, encoding: .utf8)))
            #expect(result.status == 0, "\(file.lastPathComponent): \(result.output)")
        }
        let applicationID = try Self.run(database, "PRAGMA application_id;")
        #expect(applicationID.output.trimmingCharacters(in: .whitespacesAndNewlines) == "1346979154")
    }

    @Test func groupSchemaRunsInTheCLI() throws {
        let folder = Self.schemaDirectory.deletingLastPathComponent().appendingPathComponent("groups")
        let database = NSTemporaryDirectory() + "pier-cli-groups-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: database) }
        let migrations = try Self.sqlFiles(folder)
        #expect(migrations.count >= 2)
        for file in migrations {
            let result = try Self.run(database, try String(contentsOf: file, encoding: .utf8))
            #expect(result.status == 0, "\(file.lastPathComponent): \(result.output)")
        }
        for file in try Self.sqlFiles(folder.appendingPathComponent("statements")) {
            let result = try Self.run(database, "EXPLAIN " + (try String(contentsOf: file, encoding: .utf8)))
            #expect(result.status == 0, "\(file.lastPathComponent): \(result.output)")
        }
    }

    @Test func brokenSQLFailsInTheCLI() throws {
        // The check above can fail: the CLI reports errors through its exit status.
        let database = NSTemporaryDirectory() + "pier-cli-\(UUID().uuidString).sqlite"
        defer { try? FileManager.default.removeItem(atPath: database) }
        #expect(try Self.run(database, "CREATE TABLE (;").status != 0)
    }
}

import Foundation
import PierTestSupport
import Testing

/// `schema/sqlite/coordination` run through the real `sqlite3` CLI: every migration in order on a
/// fresh file, then every statement compiled against the result with EXPLAIN. (That the module
/// embeds exactly these files is checked by PierProtocolTests' RegenerationTests.)
@Suite struct CoordinationSchemaCLITests {
    static let schema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("schema/sqlite/coordination")

    static func sqlFiles(_ folder: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test(.enabled(if: ExternalTool.mustRun("sqlite3")))
    func migrationsAndStatementsRunInTheSQLiteCLI() throws {
        let migrations = try Self.sqlFiles(Self.schema)
        #expect(migrations.count >= 3)
        let database = FileManager.default.temporaryDirectory.appendingPathComponent("pier-coordination-\(UUID().uuidString).db")
        defer { try? FileManager.default.removeItem(at: database) }
        var script = try migrations.map { try String(contentsOf: $0, encoding: .utf8) }.joined(separator: "\n")
        script += "\nSELECT path FROM znodes;\n"
        let output = try ExternalTool.run("sqlite3", arguments: ["-bail", database.path], input: script)
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "/")
        for statement in try Self.sqlFiles(Self.schema.appendingPathComponent("statements")) {
            // ExternalTool.run throws on a non-zero exit: a statement that does not compile fails here.
            _ = try ExternalTool.run("sqlite3", arguments: ["-bail", database.path], input: "EXPLAIN " + String(contentsOf: statement, encoding: .utf8))
        }
    }
}

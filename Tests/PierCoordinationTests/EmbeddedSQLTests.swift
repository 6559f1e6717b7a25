import Foundation
import Testing

/// `schema/sqlite/coordination` is the truth; the module embeds it so the binary needs no files beside it.
/// This test fails when the two differ. Regenerate with `PIER_REGENERATE=1 swift test --filter EmbeddedSQLTests`.
@Suite struct EmbeddedSQLTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func embeddedCoordinationSQLMatchesSchemaFiles() throws {
        let schema = Self.packageRoot.appendingPathComponent("schema/sqlite/coordination")
        let generated = Self.packageRoot.appendingPathComponent("Sources/PierCoordination/Generated/CoordinationSQL.swift")
        let expected = try EmbeddedSQL.render(directory: schema, typeName: "CoordinationSQL", sourceLabel: "schema/sqlite/coordination")
        if ProcessInfo.processInfo.environment["PIER_REGENERATE"] == "1" {
            try FileManager.default.createDirectory(at: generated.deletingLastPathComponent(), withIntermediateDirectories: true)
            try expected.write(to: generated, atomically: true, encoding: .utf8)
        }
        let committed = try String(contentsOf: generated, encoding: .utf8)
        #expect(committed == expected, "Sources/PierCoordination/Generated/CoordinationSQL.swift is stale: run PIER_REGENERATE=1 swift test --filter EmbeddedSQLTests")
    }

    @Test(.enabled(if: ExternalTool.mustRun("sqlite3")))
    func everySchemaFileRunsInTheSQLiteCLI() throws {
        let schema = Self.packageRoot.appendingPathComponent("schema/sqlite/coordination")
        let migrations = try EmbeddedSQL.migrationFiles(in: schema)
        #expect(migrations.count >= 3)
        let database = FileManager.default.temporaryDirectory.appendingPathComponent("pier-coordination-\(UUID().uuidString).db")
        defer { try? FileManager.default.removeItem(at: database) }
        var script = migrations.map { (try? String(contentsOf: $0, encoding: .utf8)) ?? "" }.joined(separator: "\n")
        script += "\nSELECT path FROM znodes;\n"
        let output = try ExternalTool.run("sqlite3", arguments: [database.path], input: script)
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "/")
    }
}

enum EmbeddedSQL {
    static func migrationFiles(in directory: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" && $0.lastPathComponent.first?.isNumber == true }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func statementFiles(in directory: URL) throws -> [URL] {
        let statements = directory.appendingPathComponent("statements")
        guard FileManager.default.fileExists(atPath: statements.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: statements, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Swift source holding each migration as `(name, sql)` in order and each statement as a static property.
    static func render(directory: URL, typeName: String, sourceLabel: String) throws -> String {
        var out = "// Generated from \(sourceLabel) by `PIER_REGENERATE=1 swift test --filter EmbeddedSQLTests`. Do not edit.\n\n"
        out += "enum \(typeName) {\n"
        out += "    static let migrations: [(name: String, sql: String)] = [\n"
        for file in try migrationFiles(in: directory) {
            let name = file.deletingPathExtension().lastPathComponent
            out += "        (\"\(name)\", \(literal(try String(contentsOf: file, encoding: .utf8), indent: "            "))),\n"
        }
        out += "    ]\n"
        for file in try statementFiles(in: directory) {
            let name = camelCase(file.deletingPathExtension().lastPathComponent)
            out += "\n    static let \(name) = \(literal(try String(contentsOf: file, encoding: .utf8), indent: "        "))\n"
        }
        out += "}\n"
        return out
    }

    private static func literal(_ sql: String, indent: String) -> String {
        let body = sql.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : indent + $0 }
            .joined(separator: "\n")
        return "#\"\"\"\n\(body)\n\(indent)\"\"\"#"
    }

    private static func camelCase(_ snake: String) -> String {
        let parts = snake.split(separator: "_")
        return parts.enumerated().map { index, part in index == 0 ? String(part) : part.prefix(1).uppercased() + part.dropFirst() }.joined()
    }
}

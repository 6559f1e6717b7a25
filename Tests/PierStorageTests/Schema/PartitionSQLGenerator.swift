import Foundation

/// Renders `schema/sqlite/partition` as Swift source (`Sources/PierStorage/Generated/PartitionSQL.swift`).
///
/// SwiftPM resources must live inside a target folder and `Bundle` lookups fail for installed
/// binaries, so the engine carries the SQL text compiled in; `schema/` stays the one truth and
/// `PartitionSQLGeneratedTests` fails whenever the two differ.
enum PartitionSQLGenerator {
    static var repositoryRoot: URL {
        // Tests/PierStorageTests/Schema/PartitionSQLGenerator.swift -> repository root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    static var schemaDirectory: URL { repositoryRoot.appendingPathComponent("schema/sqlite/partition") }
    static var generatedFile: URL { repositoryRoot.appendingPathComponent("Sources/PierStorage/Generated/PartitionSQL.swift") }

    /// Numbered migration files (`NNN-name.sql`), in order.
    static func migrationFiles() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: schemaDirectory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func statementFiles() throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: schemaDirectory.appendingPathComponent("statements"), includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// `batch_insert` -> `batchInsert`.
    static func swiftName(_ stem: String) -> String {
        let parts = stem.split(separator: "_")
        return parts.enumerated().map { index, part in index == 0 ? String(part) : part.prefix(1).uppercased() + part.dropFirst() }.joined()
    }

    static func literal(_ text: String) -> String {
        precondition(!text.contains("\"\"\"#"), "SQL may not contain the raw string delimiter")
        return "#\"\"\"\n" + text.trimmingCharacters(in: .newlines) + "\n\"\"\"#"
    }

    static func render() throws -> String {
        var out = """
        // Generated from schema/sqlite/partition by Tests/PierStorageTests/Schema/PartitionSQLGenerator.swift.
        // Do not edit: change the .sql files, then run
        //   PIER_REGENERATE_SQL=1 swift test --filter PartitionSQLGeneratedTests

        /// The SQL text of the partition schema: numbered migrations and the engine's statements.
        enum PartitionSQL {
            /// Migrations in the order they apply: the file name without `.sql` is the migration identifier.
            static let migrations: [(identifier: String, sql: String)] = [

        """
        for file in try migrationFiles() {
            let text = try String(contentsOf: file, encoding: .utf8)
            out += "        (\"\(file.deletingPathExtension().lastPathComponent)\", \(literal(text))),\n"
        }
        out += "    ]\n\n    /// One statement per file of `statements/`.\n    enum Statement {\n"
        for file in try statementFiles() {
            let text = try String(contentsOf: file, encoding: .utf8)
            out += "        static let \(swiftName(file.deletingPathExtension().lastPathComponent)) = \(literal(text))\n"
        }
        out += "    }\n}\n"
        return out
    }
}

import Foundation
import Testing

/// `Sources/PierStorage/Generated/PartitionSQL.swift` must be exactly what `schema/sqlite/partition`
/// renders to. After changing a .sql file, regenerate with
///
///     PIER_REGENERATE_SQL=1 swift test --filter PartitionSQLGeneratedTests
///
/// which rewrites the Swift file (and still fails once, so the change is noticed), then commit both.
@Suite struct PartitionSQLGeneratedTests {
    @Test func generatedSwiftMatchesSchemaDirectory() throws {
        let expected = try PartitionSQLGenerator.render()
        let current = try? String(contentsOf: PartitionSQLGenerator.generatedFile, encoding: .utf8)
        if current != expected, ProcessInfo.processInfo.environment["PIER_REGENERATE_SQL"] == "1" {
            try expected.write(to: PartitionSQLGenerator.generatedFile, atomically: true, encoding: .utf8)
            Issue.record("regenerated \(PartitionSQLGenerator.generatedFile.path); rebuild and run again")
            return
        }
        #expect(current == expected, "schema/sqlite/partition changed: run PIER_REGENERATE_SQL=1 swift test --filter PartitionSQLGeneratedTests")
    }

    @Test func everyFileHasContent() throws {
        #expect(try PartitionSQLGenerator.migrationFiles().count >= 7)
        #expect(try PartitionSQLGenerator.statementFiles().count >= 20)
    }
}

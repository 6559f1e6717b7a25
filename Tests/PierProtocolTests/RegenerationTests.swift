import Foundation
import PierCodegen
import Testing

/// The generated code is committed; this fails when it no longer matches what the generator
/// makes from `schema/kafka` and `schema/sqlite` (run `swift run pier-codegen` and commit the result).
@Suite struct RegenerationTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func committedCodeMatchesAFreshGeneration() throws {
        let expected = try Generator.generate(kafkaSchemaDirectory: Self.packageRoot.appendingPathComponent("schema/kafka"))
            .merging(try Generator.generateEmbeddedSQL(sqliteSchemaDirectory: Self.packageRoot.appendingPathComponent("schema/sqlite"))) { $1 }
        #expect(expected.count > 370)
        var stale: [String] = []
        for (path, contents) in expected {
            let committed = try? String(contentsOf: Self.packageRoot.appendingPathComponent(path), encoding: .utf8)
            if committed != contents { stale.append(path) }
        }
        for folder in [Generator.generatedSourcesPath, Generator.generatedTestsPath] {
            let directory = Self.packageRoot.appendingPathComponent(folder)
            let enumerator = FileManager.default.enumerator(atPath: directory.path)
            while let relative = enumerator?.nextObject() as? String {
                let path = "\(folder)/\(relative)"
                if relative.hasSuffix(".swift"), expected[path] == nil { stale.append(path + " (no longer generated)") }
            }
        }
        #expect(stale.isEmpty, "stale generated files; run `swift run pier-codegen`: \(stale.sorted().prefix(10))")
    }
}

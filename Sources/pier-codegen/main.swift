import Foundation
import PierCodegen

// Regenerates PierProtocol's message codecs (and their test helpers) from schema/kafka, and the
// SQL that PierStorage and PierCoordination embed from schema/sqlite.
// Usage: swift run pier-codegen [PACKAGE_ROOT]   (default: the current directory)
let root = URL(fileURLWithPath: CommandLine.arguments.dropFirst().first ?? FileManager.default.currentDirectoryPath)
do {
    let files = try Generator.generate(kafkaSchemaDirectory: root.appendingPathComponent("schema/kafka"))
        .merging(try Generator.generateEmbeddedSQL(sqliteSchemaDirectory: root.appendingPathComponent("schema/sqlite"))) { $1 }
    // Start from empty output folders so that a schema removed upstream leaves no stale file behind.
    for folder in [Generator.generatedSourcesPath, Generator.generatedTestsPath] {
        try? FileManager.default.removeItem(at: root.appendingPathComponent(folder))
    }
    for (path, contents) in files.sorted(by: { $0.key < $1.key }) {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url, atomically: true, encoding: .utf8)
    }
    print("pier-codegen: wrote \(files.count) files")
} catch {
    FileHandle.standardError.write(Data("pier-codegen: \(error)\n".utf8))
    exit(1)
}

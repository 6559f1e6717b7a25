import Foundation

/// A file of this repository (docs the tests hold to the code), found from this source file's path.
enum RepositoryFile {
    static func text(_ relativePath: String) -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)) ?? ""
    }
}

import Foundation
import PierCoordination
import Testing

extension RealBrokerSuites {
    @Suite struct ZnodeCommandTests {
        let dataDir: URL

        init() throws {
            dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("pier-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
            let store = try SQLiteZnodeStore(path: dataDir.appendingPathComponent("coordination.db").path)
            try store.createRecursively("/brokers/ids")
            try store.create("/brokers/ids/1", data: Array(#"{"host":"127.0.0.1","port":9092}"#.utf8))
            try store.create("/brokers/ids/2")
            store.close()
        }

        @Test func listsChildren() throws {
            let outcome = try PierBinary.run(["znode", "ls", "/brokers/ids", "--data-dir", dataDir.path])
            #expect(outcome.status == 0)
            #expect(outcome.stdout == "1\n2\n")
        }

        @Test func printsData() throws {
            let outcome = try PierBinary.run(["znode", "get", "/brokers/ids/1", "--data-dir", dataDir.path])
            #expect(outcome.status == 0)
            #expect(outcome.stdout == #"{"host":"127.0.0.1","port":9092}"# + "\n")
        }

        @Test func printsStat() throws {
            let outcome = try PierBinary.run(["znode", "stat", "/brokers/ids", "--data-dir", dataDir.path])
            #expect(outcome.status == 0)
            #expect(outcome.stdout.contains("numChildren = 2\n"))
            #expect(outcome.stdout.contains("dataVersion = 0\n"))
        }

        @Test func unknownPathIsOneClearLine() throws {
            let outcome = try PierBinary.run(["znode", "get", "/brokers/ids/9", "--data-dir", dataDir.path])
            #expect(outcome.status != 0)
            #expect(outcome.stderr == "Error: no znode at /brokers/ids/9\n")
        }

        @Test func missingDatabaseIsOneClearLine() throws {
            let outcome = try PierBinary.run(["znode", "ls", "/", "--data-dir", dataDir.appendingPathComponent("nope").path])
            #expect(outcome.status != 0)
            #expect(outcome.stderr.hasPrefix("Error: no coordination database at "))
            #expect(outcome.stderr.split(separator: "\n").count == 1)
        }
    }
}

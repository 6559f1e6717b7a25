import Foundation
import PierTestSupport
import Testing

extension RealBrokerSuites {
    /// DescribeLogDirs through `pier serve`, on both engines: Kafka's `kafka-log-dirs.sh --describe`
    /// and kafka-python's describe_log_dirs report each partition's size as the files on disk have
    /// it (SQLite database + WAL + batch file, or segment files), and the log directory's capacity.
    @Suite(.serialized) struct LogDirsClientTests {
        /// The sizes `PartitionDiskUsage` should report, measured here from the files.
        static func sizeOnDisk(_ directory: URL) throws -> Int {
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            let counted = names.contains("partition.sqlite") ? names.filter { ["partition.sqlite", "partition.sqlite-wal", "partition.batches"].contains($0) }
                                                            : names.filter { $0.hasSuffix(".log") }
            return try counted.reduce(0) { sum, name in
                sum + (try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(name).path)[.size] as? Int ?? 0)
            }
        }

        @Test(.enabled(if: ExternalTool.mustRun("python3")), arguments: ["sqlite", "segments"])
        func kafkaPythonReportsSizesOnDisk(engine: String) throws {
            let broker = try BrokerProcess(arguments: ["--engine", engine])
            _ = try PierBinary.run(["topic", "create", "sized", "--partitions", "2", "--bootstrap-server", broker.bootstrap])
            _ = try PierBinary.run(["produce", "sized", "--bootstrap-server", broker.bootstrap], input: Data((1...2000).map(String.init).joined(separator: "\n").utf8))
            // As for the tool below: what the files held before or after the client asked.
            let partition1 = broker.dataDirectory.appendingPathComponent("sized-1")
            let before = try Self.sizeOnDisk(partition1)
            let report = try ExternalTool.run("python3", arguments: ["-c", """
                import json, sys
                from kafka.admin import KafkaAdminClient
                admin = KafkaAdminClient(bootstrap_servers=sys.argv[1])
                print(json.dumps(admin.describe_log_dirs({"sized": [1]})))
                """, broker.bootstrap])
            let brokers = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [[String: Any]], "\(report)")
            let logDirs = try #require(brokers.first?["log_dirs"] as? [[String: Any]], "\(report)")
            #expect(logDirs.count == 1)
            let topics = try #require(logDirs.first?["topics"] as? [[String: Any]], "\(report)")
            let partitions = try #require(topics.first?["partitions"] as? [[String: Any]], "\(report)")
            #expect(topics.map { $0["name"] as? String } == ["sized"])
            #expect(partitions.map { $0["partition_index"] as? Int } == [1])
            let after = try Self.sizeOnDisk(partition1)
            #expect([before, after].contains(partitions.first?["partition_size"] as? Int ?? -1), "\(report) \(before) \(after)")
            #expect(after > 0)
            #expect(partitions.first?["offset_lag"] as? Int == 0, "\(report)")
            #expect((logDirs.first?["total_bytes"] as? Int ?? 0) > 0)
            #expect((logDirs.first?["usable_bytes"] as? Int ?? -1) >= 0)
            #expect(broker.stop() == 0)
        }

        @Test(.kafkaTools, arguments: ["sqlite", "segments"])
        func kafkaLogDirsReportsSizesOnDisk(engine: String) throws {
            let broker = try BrokerProcess(arguments: ["--engine", engine])
            _ = try PierBinary.run(["topic", "create", "sized", "--partitions", "2", "--bootstrap-server", broker.bootstrap])
            _ = try PierBinary.run(["produce", "sized", "--bootstrap-server", broker.bootstrap], input: Data((1...2000).map(String.init).joined(separator: "\n").utf8))
            // A WAL checkpoint (SQLite engine) may grow the database file while the tool runs: the
            // size it reports is what the files held before or after.
            let partitionDirectories = (0..<2).map { broker.dataDirectory.appendingPathComponent("sized-\($0)") }
            let before = try partitionDirectories.map(Self.sizeOnDisk)
            let described = try KafkaTools.run("kafka-log-dirs.sh", ["--bootstrap-server", broker.bootstrap, "--describe"])
            let after = try partitionDirectories.map(Self.sizeOnDisk)
            #expect(described.status == 0, "\(described.stderr)")
            let json = try #require(described.stdout.split(separator: "\n").last.map(String.init))
            let tool = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(described.stdout)")
            let dirs = try #require((tool["brokers"] as? [[String: Any]])?.first?["logDirs"] as? [[String: Any]], "\(json)")
            #expect(dirs.first?["logDir"] as? String == broker.dataDirectory.standardizedFileURL.path)
            #expect(dirs.first?["error"] is NSNull)
            let sizes = (dirs.first?["partitions"] as? [[String: Any]] ?? []).reduce(into: [String: Int]()) {
                $0[$1["partition"] as? String ?? ""] = $1["size"] as? Int
            }
            for partition in 0..<2 {
                #expect([before[partition], after[partition]].contains(sizes["sized-\(partition)"] ?? -1), "\(json) \(before) \(after)")
                #expect(after[partition] > 0)
            }
            #expect(broker.stop() == 0)
        }
    }
}

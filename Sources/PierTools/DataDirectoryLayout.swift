import Foundation

/// The partitions in a broker's data directory: directories named `<topic>-<partition>`, each
/// holding `partition.sqlite` (SQLite engine) or `.log` segment files.
public struct DataDirectoryLayout: Sendable, Equatable {
    public struct Partition: Sendable, Equatable {
        public var topic: String
        public var partition: Int32
        public var directory: String
        public var isSQLite: Bool
    }

    public var partitions: [Partition]

    public static func scan(_ dataDirectory: String) throws -> DataDirectoryLayout {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dataDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ToolFailure("no data directory at \(dataDirectory)")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dataDirectory)) ?? []
        var partitions: [Partition] = []
        for name in names {
            guard let (topic, partition) = parse(directoryName: name) else { continue }
            let directory = dataDirectory + "/" + name
            let isSQLite = FileManager.default.fileExists(atPath: directory + "/partition.sqlite")
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            guard isSQLite || files.contains(where: { $0.hasSuffix(".log") }) else { continue }
            partitions.append(Partition(topic: topic, partition: partition, directory: directory, isSQLite: isSQLite))
        }
        partitions.sort { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
        return DataDirectoryLayout(partitions: partitions)
    }

    /// `audit-3` is partition 3 of `audit`; `my-topic-10` of `my-topic`.
    static func parse(directoryName: String) -> (topic: String, partition: Int32)? {
        guard let dash = directoryName.lastIndex(of: "-"), dash != directoryName.startIndex,
              let partition = Int32(directoryName[directoryName.index(after: dash)...]), partition >= 0 else { return nil }
        return (String(directoryName[..<dash]), partition)
    }

    public var topics: [String] { Array(Set(partitions.map(\.topic))).sorted() }

    public func partitions(of topic: String) -> [Partition] { partitions.filter { $0.topic == topic } }
}

/// Which `PartitionLog` implementation stores a new partition. A partition keeps the engine it was
/// created with: reopening looks at its files, not at this setting.
public enum StorageEngine: String, Sendable, CaseIterable {
    /// One SQLite database per partition (`partition.sqlite`): Pier's own format.
    case sqlite
    /// Kafka's `.log` / `.index` / `.timeindex` segment files.
    case segments
}

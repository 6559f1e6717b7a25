import PierStorage
import Testing

/// The shared conformance suite against the SQLite engine, in its two storage modes: batches kept
/// as sent (the default) and batches rebuilt from the records table on every fetch.
@Suite struct SQLitePartitionLogConformanceTests {
    @Test(arguments: PartitionLogConformance.Behaviour.allCases)
    func keepingWireBatches(_ behaviour: PartitionLogConformance.Behaviour) throws {
        try PartitionLogConformance(engine: "sqlite") { directory in
            try SQLitePartitionLog(directory: directory)
        }.run(behaviour)
    }

    @Test(arguments: PartitionLogConformance.Behaviour.allCases)
    func rebuildingBatchesFromRecords(_ behaviour: PartitionLogConformance.Behaviour) throws {
        try PartitionLogConformance(engine: "sqlite-rebuild") { directory in
            try SQLitePartitionLog(directory: directory, options: SQLitePartitionLogOptions(keepsWireBatches: false))
        }.run(behaviour)
    }
}

import PierStorage
import Testing

/// The shared conformance suite against the SQLite engine, in its three storage modes: batches kept
/// as sent in the batch file (the default) or in the database, and batches rebuilt from the records
/// table on every fetch.
@Suite struct SQLitePartitionLogConformanceTests {
    @Test(arguments: PartitionLogConformance.Behaviour.allCases)
    func keepingWireBatches(_ behaviour: PartitionLogConformance.Behaviour) throws {
        try PartitionLogConformance(engine: "sqlite") { directory in
            try SQLitePartitionLog(directory: directory)
        }.run(behaviour)
    }

    @Test(arguments: PartitionLogConformance.Behaviour.allCases)
    func keepingWireBatchesInTheDatabase(_ behaviour: PartitionLogConformance.Behaviour) throws {
        try PartitionLogConformance(engine: "sqlite-wire-tail") { directory in
            try SQLitePartitionLog(directory: directory, options: SQLitePartitionLogOptions(wireBatchStorage: .databaseColumn))
        }.run(behaviour)
    }

    @Test(arguments: PartitionLogConformance.Behaviour.allCases)
    func rebuildingBatchesFromRecords(_ behaviour: PartitionLogConformance.Behaviour) throws {
        try PartitionLogConformance(engine: "sqlite-rebuild") { directory in
            try SQLitePartitionLog(directory: directory, options: SQLitePartitionLogOptions(wireBatchStorage: .rebuiltFromRecords))
        }.run(behaviour)
    }
}

import PierStorage
import Testing

/// The shared conformance suite on the segment engine. Small segments (4 KiB) so that rolling,
/// whole-segment retention and reads across segments are exercised by every behaviour.
@Suite struct SegmentPartitionLogConformanceTests {
    @Test(arguments: PartitionLogConformance.Behaviour.allCases)
    func conforms(_ behaviour: PartitionLogConformance.Behaviour) throws {
        try PartitionLogConformance(engine: "segments") { directory in
            try SegmentPartitionLog(directory: directory, configuration: SegmentLogConfiguration(segmentBytes: 4096, indexIntervalBytes: 512))
        }.run(behaviour)
    }

    /// The same behaviours with one large segment, where everything goes through the sparse index
    /// of a single file. Retention is left out: it deletes whole segments, as Kafka's does, so with
    /// a single segment it cannot free the older part of the log that those behaviours expect gone.
    @Test(arguments: PartitionLogConformance.Behaviour.allCases.filter { $0 != .retentionBySize && $0 != .retentionByTime })
    func conformsWithDefaultSegmentSize(_ behaviour: PartitionLogConformance.Behaviour) throws {
        try PartitionLogConformance(engine: "segments-default") { directory in
            try SegmentPartitionLog(directory: directory, configuration: SegmentLogConfiguration(indexIntervalBytes: 256))
        }.run(behaviour)
    }
}

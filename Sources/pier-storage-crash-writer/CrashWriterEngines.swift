import PierStorage

/// The engines the crash harness can drive, by the name the tests pass.
enum CrashWriterEngines {
    struct UnknownEngine: Error, CustomStringConvertible {
        var name: String
        var description: String { "unknown engine \"\(name)\" (known: segments, sqlite)" }
    }

    static func open(_ name: String, directory: String, flushPolicy: FlushPolicy) throws -> any PartitionLog {
        switch name {
        case "segments":
            // Small segments so that kills also land in the middle of rolls.
            return try SegmentPartitionLog(directory: directory, configuration: SegmentLogConfiguration(
                segmentBytes: 64 * 1024, indexIntervalBytes: 1024, flushPolicy: flushPolicy))
        case "sqlite":
            return try SQLitePartitionLog(directory: directory, options: SQLitePartitionLogOptions(flushPolicy: flushPolicy))
        default:
            throw UnknownEngine(name: name)
        }
    }
}

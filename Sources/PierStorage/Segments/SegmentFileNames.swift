/// Kafka's file names inside a partition directory: segment files are named after their base
/// offset, zero-padded to 20 digits so that lexical order is offset order.
enum SegmentFileNames {
    static let logSuffix = ".log"
    static let offsetIndexSuffix = ".index"
    static let timeIndexSuffix = ".timeindex"
    static let temporarySuffix = ".tmp"

    static let highWatermarkCheckpoint = "high-watermark-checkpoint"
    static let logStartOffsetCheckpoint = "log-start-offset-checkpoint"
    static let leaderEpochCheckpoint = "leader-epoch-checkpoint"
    static let producerStateSnapshot = "producer-state.snapshot"

    static let checkpointNames: Set<String> = [
        highWatermarkCheckpoint, logStartOffsetCheckpoint, leaderEpochCheckpoint, producerStateSnapshot,
    ]

    static func baseName(_ baseOffset: Int64) -> String {
        let digits = String(baseOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    static func log(_ baseOffset: Int64) -> String { baseName(baseOffset) + logSuffix }
    static func offsetIndex(_ baseOffset: Int64) -> String { baseName(baseOffset) + offsetIndexSuffix }
    static func timeIndex(_ baseOffset: Int64) -> String { baseName(baseOffset) + timeIndexSuffix }

    /// The base offset a segment file name encodes, or nil when the name is not 20 digits + suffix.
    static func baseOffset(of name: String, suffix: String) -> Int64? {
        guard name.hasSuffix(suffix) else { return nil }
        let stem = name.dropLast(suffix.count)
        guard stem.count == 20, stem.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
        return Int64(stem)
    }
}

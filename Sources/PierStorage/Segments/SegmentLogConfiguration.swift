#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Topic-level settings of a `SegmentPartitionLog`, named after Kafka's.
public struct SegmentLogConfiguration: Sendable {
    /// `segment.bytes`: a segment is rolled before an append would take it past this size.
    public var segmentBytes: Int64
    /// `segment.ms`: a non-empty segment is rolled once its first batch is this much older than
    /// an incoming one (or, without timestamps, the segment this old); nil never rolls by time.
    public var segmentMilliseconds: Int64?
    /// `index.interval.bytes`: bytes of log between two sparse index entries.
    public var indexIntervalBytes: Int
    public var flushPolicy: FlushPolicy
    /// All file system calls go through this, so tests can inject failures.
    public var fileIO: any SegmentFileIO
    /// Milliseconds since the epoch; replaceable so time-based rolling and flushing can be tested.
    public var clock: @Sendable () -> Int64

    public init(segmentBytes: Int64 = 1 << 30,
                segmentMilliseconds: Int64? = 7 * 24 * 60 * 60 * 1000,
                indexIntervalBytes: Int = 4096,
                flushPolicy: FlushPolicy = .operatingSystem,
                fileIO: any SegmentFileIO = POSIXFileIO(),
                clock: @escaping @Sendable () -> Int64 = SegmentLogConfiguration.wallClockMilliseconds) {
        self.segmentBytes = segmentBytes
        self.segmentMilliseconds = segmentMilliseconds
        self.indexIntervalBytes = indexIntervalBytes
        self.flushPolicy = flushPolicy
        self.fileIO = fileIO
        self.clock = clock
    }

    @Sendable public static func wallClockMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }
}

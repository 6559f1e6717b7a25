import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One background thread that fsyncs the logs whose flush policy is `.interval`, so that an idle
/// partition's last appends reach the disk within the interval even when no further append comes
/// to trigger it. Logs are held weakly and leave when closed.
final class IntervalFlusher: @unchecked Sendable {
    static let shared = IntervalFlusher()
    /// How often the thread looks; intervals shorter than this are met by the append path itself.
    static let tickMicroseconds: UInt32 = 10_000

    private final class WeakLog {
        weak var log: SegmentPartitionLog?
        init(_ log: SegmentPartitionLog) { self.log = log }
    }

    private let lock = PartitionLock()
    private var logs: [ObjectIdentifier: WeakLog] = [:]
    private var threadStarted = false

    func register(_ log: SegmentPartitionLog) {
        lock.lock()
        defer { lock.unlock() }
        logs[ObjectIdentifier(log)] = WeakLog(log)
        if !threadStarted {
            threadStarted = true
            startThread()
        }
    }

    func unregister(_ log: SegmentPartitionLog) {
        lock.lock()
        defer { lock.unlock() }
        logs[ObjectIdentifier(log)] = nil
    }

    private func registeredLogs() -> [SegmentPartitionLog] {
        lock.lock()
        defer { lock.unlock() }
        logs = logs.filter { $0.value.log != nil }
        return logs.values.compactMap(\.log)
    }

    private func startThread() {
        // Foundation's Thread is off the hot path here and spares per-platform pthread types.
        let thread = Thread { [self] in run() }
        thread.name = "pier-segment-flusher"
        thread.start()
    }

    /// Runs for the life of the process (the thread is detached).
    private func run() {
        while true {
            usleep(Self.tickMicroseconds)
            for log in registeredLogs() { log.flushIfIntervalElapsed() }
        }
    }
}

import Foundation
import NIOCore
import PierRecords
@testable import PierStorage

/// Runs `pier-storage-crash-writer` against one directory, SIGKILLs it at random moments, and
/// after each kill reopens the log to check what survived. Generic over the engine: the writer
/// and `open` pick it by the same name.
struct CrashHarness {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Report {
        var iterations = 0
        var acknowledgedAppends = 0
        var killsAfterAcknowledgements = 0
        var finalLogEndOffset: Int64 = 0
    }

    /// The producer id `pier-storage-crash-writer` stamps on every batch; its sequences equal offsets.
    static let writerProducerId: Int64 = 4242

    let engine: String
    let directory: String
    let flushPolicy: String
    /// Opens the log in this process for checking, by engine name.
    let open: (String) throws -> any PartitionLog

    /// The writer binary sits next to the test bundle in the build directory.
    static func writerExecutable() throws -> String {
        var candidates: [String] = []
        let testBinary = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                             ?? CommandLine.arguments[0])
        var directory = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(directory.appendingPathComponent("pier-storage-crash-writer").path)
            directory = directory.deletingLastPathComponent()
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw Failure(description: "pier-storage-crash-writer not found in \(candidates)")
        }
        return found
    }

    func run(iterations: Int, seed: UInt64) throws -> Report {
        let writer = try Self.writerExecutable()
        var generator = SplitMix(state: seed)
        var report = Report()
        var highestAcknowledged: Int64 = -1
        for iteration in 0..<iterations {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: writer)
            process.arguments = [engine, directory, flushPolicy, String(generator.next() % 1_000_000 + 1)]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let pid = process.processIdentifier
            // A writer that hangs without printing is killed anyway.
            DispatchQueue.global().asyncAfter(deadline: .now() + 10) { kill(pid, SIGKILL) }
            var printedData = Data()
            if iteration % 2 == 1 {
                // Odd iterations: once appends are flowing, 0–50 ms after the first acknowledgement.
                printedData.append(output.fileHandleForReading.availableData)
                usleep(UInt32(generator.next() % 50_000))
            } else {
                // Even iterations: 10–110 ms after launch, which also lands in start-up and recovery.
                usleep(UInt32(10_000 + generator.next() % 100_000))
            }
            kill(pid, SIGKILL)
            process.waitUntilExit()
            printedData.append(output.fileHandleForReading.readDataToEndOfFile())
            let printed = String(decoding: printedData, as: UTF8.self)
            guard process.terminationReason == .uncaughtSignal else {
                throw Failure(description: "iteration \(iteration): writer exited by itself with status \(process.terminationStatus)")
            }
            // Only whole lines count: the kill may cut the last one.
            let lines = printed.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            let acknowledged = lines.compactMap { Int64($0) }
            report.acknowledgedAppends += acknowledged.count
            if !acknowledged.isEmpty { report.killsAfterAcknowledgements += 1 }
            highestAcknowledged = max(highestAcknowledged, acknowledged.max() ?? -1)

            let logEnd = try verifyConsistentPrefix(iteration: iteration)
            guard logEnd > highestAcknowledged else {
                throw Failure(description: "iteration \(iteration): offset \(highestAcknowledged) was acknowledged but the log ends at \(logEnd)")
            }
            report.iterations += 1
            report.finalLogEndOffset = logEnd
        }
        return report
    }

    /// Reopens the log and reads it all: every batch intact, offsets contiguous from the log start.
    /// Returns the log end offset.
    private func verifyConsistentPrefix(iteration: Int) throws -> Int64 {
        let log = try open(directory)
        defer { try? log.close() }
        var next = log.logStartOffset
        let end = log.logEndOffset
        while next < end {
            let result = try log.read(from: next, maxBytes: 256 * 1024, upperBound: nil)
            var iterator = RecordBatchSequence(result.batches).makeIterator()
            var sawBatch = false
            while let raw = try iterator.next() {
                do { try raw.verifyCRC() } catch {
                    throw Failure(description: "iteration \(iteration): batch at \(raw.header.baseOffset) fails its CRC")
                }
                guard raw.header.baseOffset <= next, raw.header.lastOffset >= next else {
                    throw Failure(description: "iteration \(iteration): expected offset \(next), found batch \(raw.header.baseOffset)...\(raw.header.lastOffset)")
                }
                let batch = try raw.decode()
                let offsets = batch.records.map { batch.offset(of: $0) }
                guard offsets == Array(raw.header.baseOffset...raw.header.lastOffset) else {
                    throw Failure(description: "iteration \(iteration): batch at \(raw.header.baseOffset) holds offsets \(offsets)")
                }
                next = raw.header.nextOffset
                sawBatch = true
            }
            guard sawBatch else { throw Failure(description: "iteration \(iteration): read at \(next) below log end \(end) returned nothing") }
        }
        guard next == end else { throw Failure(description: "iteration \(iteration): batches end at \(next), log end is \(end)") }
        // Every batch the writer appends is its producer's, numbered by offset, so the producer
        // state recovered (snapshot plus log tail) must end exactly at the log end.
        if end > log.logStartOffset {
            let last = try log.producerState(for: Self.writerProducerId)?.recentBatches.last
            guard let last, last.lastOffset == end - 1, Int64(last.lastSequence) == end - 1 else {
                throw Failure(description: "iteration \(iteration): producer state ends at \(String(describing: last)), log end is \(end)")
            }
        }
        return end
    }
}

/// Deterministic generator so a failing run can be repeated with its seed.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

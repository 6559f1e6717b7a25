// Appends to a partition log until killed, printing each acknowledged last offset on its own
// line. The crash-safety tests SIGKILL it at random moments and then check what survived.
//
// Usage: pier-storage-crash-writer <engine> <directory> <flush: every-append|os> [seed]

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import PierRecords
import PierStorage

func fail(_ message: String) -> Never {
    let line = "pier-storage-crash-writer: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(2)
}

let arguments = CommandLine.arguments
guard arguments.count >= 4 else { fail("usage: <engine> <directory> <every-append|os> [seed]") }
let flushPolicy: FlushPolicy
switch arguments[3] {
case "every-append": flushPolicy = .everyAppend
case "os": flushPolicy = .operatingSystem
default: fail("unknown flush policy \(arguments[3])")
}
var random = XorShift(state: max(arguments.count > 4 ? UInt64(arguments[4]) ?? 1 : 1, 1))

let log: any PartitionLog
do {
    log = try CrashWriterEngines.open(arguments[1], directory: arguments[2], flushPolicy: flushPolicy)
} catch {
    fail("cannot open \(arguments[1]) log in \(arguments[2]): \(error)")
}

/// xorshift, so runs differ by seed without Foundation.
struct XorShift {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

let producerId: Int64 = 4242
var sequence = Int32(truncatingIfNeeded: log.logEndOffset)
while true {
    var batches: [AppendableBatch] = []
    for _ in 0..<(1 + Int(random.next() % 3)) {
        let count = 1 + Int(random.next() % 8)
        let records = (0..<count).map { index in
            NewRecord(key: "key-\(index)", value: String(repeating: "v", count: Int(random.next() % 300)),
                      timestamp: 1_700_000_000_000 + Int64(sequence) + Int64(index))
        }
        let batch = RecordBatch.make(records: records, producerId: producerId, producerEpoch: 0, baseSequence: sequence)
        sequence &+= Int32(count)
        guard let raw = try? batch.encoded() else { fail("cannot encode a batch") }
        batches.append(AppendableBatch(raw: raw, decoded: batch))
    }
    do {
        let result = try log.append(batches, as: .leader(leaderEpoch: 0, logAppendTime: nil))
        let line = "\(result.lastOffset)\n"
        // Straight to the descriptor: a buffered line could be lost by the kill after being acknowledged.
        _ = line.withCString { write(1, $0, strlen($0)) }
    } catch {
        fail("append failed: \(error)")
    }
}

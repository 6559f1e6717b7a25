import Benchmark
import CCRC32C
import CLZ4
import CSnappy
import CZlib
import CZstd
import NIOCore
import PierRecords

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every benchmark processes the same 1 MiB of data per iteration, so wall-clock times compare
/// directly: a Pier figure over its baseline (memcpy of the same bytes, or the C library called
/// directly) is the overhead Pier adds.
let mebibyte = 1 << 20

/// ~100-byte records (8-byte key, text value from a small vocabulary, so codecs have realistic work)
/// filling one 1 MiB uncompressed batch.
func benchmarkRecords() -> [NewRecord] {
    let words = ["broker", "offset", "partition", "replica", "leader", "swift", "sqlite", "record", "batch", "topic", "fetch", "commit"]
    var state: UInt64 = 0x5EED
    func nextRandom() -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(truncatingIfNeeded: state >> 33)
    }
    var records: [NewRecord] = []
    var total = 61
    var index = 0
    while total < mebibyte - 100 {
        var value = ""
        while value.utf8.count < 80 { value += words[nextRandom() % words.count] + " " }
        let digits = String(index)
        let key = "k" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits
        let record = NewRecord(key: ByteBuffer(string: key), value: ByteBuffer(string: String(value.prefix(80))), timestamp: 1_700_000_000_000 + Int64(index))
        records.append(record)
        total += 100  // 8 key + 80 value + 12 bytes of varints and attributes
        index += 1
    }
    return records
}

func bytes(of buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        timeUnits: .microseconds,
        warmupIterations: 3,
        maxDuration: .seconds(2),
        maxIterations: 2000
    )

    let records = benchmarkRecords()
    let batch = RecordBatch.make(baseOffset: 0, records: records)
    let encoded = try! batch.encoded()
    let recordsBlock = encoded.getSlice(at: RecordBatchHeader.size, length: encoded.readableBytes - RecordBatchHeader.size)!
    let megabyte = [UInt8](repeating: 0xA5, count: mebibyte).enumerated().map { UInt8(truncatingIfNeeded: $0.offset &* 31 ^ Int($0.element)) }

    // MARK: Baseline: moving the bytes at all

    Benchmark("memcpy 1 MiB (baseline)") { benchmark in
        let destination = UnsafeMutableRawPointer.allocate(byteCount: mebibyte, alignment: 64)
        defer { destination.deallocate() }
        benchmark.startMeasurement()
        megabyte.withUnsafeBytes { source in
            for _ in benchmark.scaledIterations {
                memcpy(destination, source.baseAddress!, mebibyte)
                blackHole(destination.load(as: UInt8.self))
            }
        }
    }

    Benchmark("memcpy batch bytes (baseline)") { benchmark in
        let destination = UnsafeMutableRawPointer.allocate(byteCount: encoded.readableBytes, alignment: 64)
        defer { destination.deallocate() }
        benchmark.startMeasurement()
        encoded.withUnsafeReadableBytes { source in
            for _ in benchmark.scaledIterations {
                memcpy(destination, source.baseAddress!, source.count)
                blackHole(destination.load(as: UInt8.self))
            }
        }
    }

    // MARK: CRC32C

    Benchmark("CRC32C hardware 1 MiB") { benchmark in
        megabyte.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations { blackHole(CRC32C.checksum(bytes, using: .hardware)) }
        }
    }

    Benchmark("CRC32C portable 1 MiB") { benchmark in
        megabyte.withUnsafeBytes { bytes in
            for _ in benchmark.scaledIterations { blackHole(CRC32C.checksum(bytes, using: .portable)) }
        }
    }

    // MARK: Batch decode / encode (uncompressed)

    Benchmark("Decode+CRC 1 MiB batch (\(records.count) records)") { benchmark in
        for _ in benchmark.scaledIterations {
            var input = encoded
            blackHole(try RecordBatch(decoding: &input))
        }
    }

    Benchmark("Encode 1 MiB batch (\(records.count) records)") { benchmark in
        var output = ByteBufferAllocator().buffer(capacity: encoded.readableBytes + 1024)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            output.clear()
            try batch.encode(into: &output)
            blackHole(output.readableBytes)
        }
    }

    // MARK: Codecs: Pier vs. the C library called directly on the same records block

    for codec in [CompressionCodec.gzip, .snappy, .lz4, .zstd] {
        let compressed = try! RecordsCompression.compress(recordsBlock, codec: codec)
        Benchmark("\(codec) compress 1 MiB (Pier)") { benchmark in
            var output = ByteBufferAllocator().buffer(capacity: mebibyte * 2)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                output.clear()
                try RecordsCompression.compress(recordsBlock, codec: codec, into: &output)
                blackHole(output.readableBytes)
            }
        }
        Benchmark("\(codec) decompress 1 MiB (Pier)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(try RecordsCompression.decompress(compressed, codec: codec, limit: 16 * mebibyte))
            }
        }
        // Inputs for the direct calls are prepared once, outside the measured closures.
        let plainBytes = bytes(of: recordsBlock)
        var scratch = [UInt8](repeating: 0, count: mebibyte * 2)
        let nativeLength = LibraryDirect.compress(codec, plainBytes, &scratch)
        let native = Array(scratch[..<nativeLength])
        Benchmark("\(codec) compress 1 MiB (C library direct)") { benchmark in
            var output = [UInt8](repeating: 0, count: mebibyte * 2)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(LibraryDirect.compress(codec, plainBytes, &output)) }
        }
        Benchmark("\(codec) decompress 1 MiB (C library direct)") { benchmark in
            // The library's own framing of the same data, decompressed by its one-shot API.
            var output = [UInt8](repeating: 0, count: mebibyte * 2)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                let produced = LibraryDirect.decompress(codec, native, &output)
                precondition(produced == plainBytes.count, "\(codec) baseline did not round-trip")
                blackHole(produced)
            }
        }
    }
}

/// One-shot library calls with the same levels Pier uses; the baselines for the codec benchmarks.
enum LibraryDirect {
    static func compress(_ codec: CompressionCodec, _ input: [UInt8], _ output: inout [UInt8]) -> Int {
        input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target in
                switch codec {
                case .gzip:
                    // zlib's one-shot compress2 writes the zlib wrapper (Adler-32 instead of gzip's CRC-32).
                    var length = uLongf(target.count)
                    _ = compress2(target.baseAddress!.assumingMemoryBound(to: Bytef.self), &length,
                                  source.baseAddress!.assumingMemoryBound(to: Bytef.self), uLong(source.count), RecordsCompression.defaultGzipLevel)
                    return Int(length)
                case .snappy:
                    var length = target.count
                    _ = snappy_compress(source.baseAddress!.assumingMemoryBound(to: CChar.self), source.count,
                                        target.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
                    return length
                case .lz4:
                    var preferences = LZ4F_preferences_t()
                    preferences.frameInfo.blockSizeID = LZ4F_max64KB
                    preferences.frameInfo.blockMode = LZ4F_blockIndependent
                    return LZ4F_compressFrame(target.baseAddress, target.count, source.baseAddress, source.count, &preferences)
                case .zstd:
                    return ZSTD_compress(target.baseAddress, target.count, source.baseAddress, source.count, RecordsCompression.defaultZstdLevel)
                case .none:
                    memcpy(target.baseAddress!, source.baseAddress!, source.count)
                    return source.count
                }
            }
        }
    }

    static func decompress(_ codec: CompressionCodec, _ input: [UInt8], _ output: inout [UInt8]) -> Int {
        input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target in
                switch codec {
                case .gzip:
                    var length = uLongf(target.count)
                    _ = uncompress(target.baseAddress!.assumingMemoryBound(to: Bytef.self), &length,
                                   source.baseAddress!.assumingMemoryBound(to: Bytef.self), uLong(source.count))
                    return Int(length)
                case .snappy:
                    var length = target.count
                    _ = snappy_uncompress(source.baseAddress!.assumingMemoryBound(to: CChar.self), source.count,
                                          target.baseAddress!.assumingMemoryBound(to: CChar.self), &length)
                    return length
                case .lz4:
                    var context: OpaquePointer?
                    _ = LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))
                    defer { LZ4F_freeDecompressionContext(context) }
                    var targetSize = target.count
                    var sourceSize = source.count
                    _ = LZ4F_decompress(context, target.baseAddress, &targetSize, source.baseAddress, &sourceSize, nil)
                    return targetSize
                case .zstd:
                    return ZSTD_decompress(target.baseAddress, target.count, source.baseAddress, source.count)
                case .none:
                    memcpy(target.baseAddress!, source.baseAddress!, source.count)
                    return source.count
                }
            }
        }
    }
}

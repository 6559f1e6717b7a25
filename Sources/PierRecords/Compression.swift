import CLZ4
import CSnappy
import CZlib
import CZstd
import NIOCore

/// Compression of a batch's records block, in the framings Kafka clients write and read.
///
/// Decompression is always bounded: output never grows past `limit` bytes; a stream that would
/// produce more stops with `.decompressedTooLarge` (compression bombs cost at most `limit` memory).
/// Damaged or truncated compressed data is `.corruptMessage`.
public enum RecordsCompression {
    /// Codec default levels, matching what Kafka's producer uses when none is configured.
    public static let defaultGzipLevel: Int32 = 6
    public static let defaultLZ4Level: Int32 = 0  // lz4's fast mode, as Kafka's Java client
    public static let defaultZstdLevel: Int32 = 3

    /// Compresses `plain` with `codec` and appends the result to `output`.
    /// `level` is codec-specific (gzip 1-9, lz4 0-12, zstd 1-22); nil picks the default; snappy has none.
    public static func compress(_ plain: ByteBuffer, codec: CompressionCodec, level: Int32? = nil,
                                into output: inout ByteBuffer) throws(RecordBatchError) {
        switch codec {
        case .none: output.writeImmutableBuffer(plain)
        case .gzip: try Gzip.compress(plain, level: level ?? defaultGzipLevel, into: &output)
        case .snappy: try Snappy.compressXerial(plain, into: &output)
        case .lz4: try LZ4Frame.compress(plain, level: level ?? defaultLZ4Level, into: &output)
        case .zstd: try Zstd.compress(plain, level: level ?? defaultZstdLevel, into: &output)
        }
    }

    public static func compress(_ plain: ByteBuffer, codec: CompressionCodec, level: Int32? = nil) throws(RecordBatchError) -> ByteBuffer {
        var output = ByteBufferAllocator().buffer(capacity: plain.readableBytes / 2 + 64)
        try compress(plain, codec: codec, level: level, into: &output)
        return output
    }

    /// Decompresses `compressed` (the whole records block of one batch).
    public static func decompress(_ compressed: ByteBuffer, codec: CompressionCodec, limit: Int) throws(RecordBatchError) -> ByteBuffer {
        switch codec {
        case .none:
            guard compressed.readableBytes <= limit else { throw .decompressedTooLarge(limit: limit) }
            return compressed
        case .gzip: return try Gzip.decompress(compressed, limit: limit)
        case .snappy: return try Snappy.decompress(compressed, limit: limit)
        case .lz4: return try LZ4Frame.decompress(compressed, limit: limit)
        case .zstd: return try Zstd.decompress(compressed, limit: limit)
        }
    }
}

/// Growable output that refuses to pass `limit`: streaming decoders are handed at most
/// `limit - produced + 1` bytes of space, so overflowing by one byte proves the stream is too large.
struct BoundedOutput {
    var buffer: ByteBuffer
    let limit: Int

    init(limit: Int, expected: Int) {
        self.limit = limit
        buffer = ByteBufferAllocator().buffer(capacity: max(64, min(limit + 1, expected)))
    }

    var isOverLimit: Bool { buffer.readableBytes > limit }

    /// Runs `body` with writable space (at most the bytes still allowed plus one), commits what it wrote.
    mutating func write(_ body: (UnsafeMutableRawBufferPointer) throws(RecordBatchError) -> Int) throws(RecordBatchError) {
        let allowed = limit + 1 - buffer.readableBytes
        precondition(allowed > 0, "caller must stop once over the limit")
        if buffer.writableBytes == 0 {
            // Grow geometrically, never reserving more than the limit allows.
            let target = buffer.readableBytes + min(allowed, max(64 * 1024, buffer.readableBytes))
            buffer.reserveCapacity(minimumWritableBytes: target - buffer.readableBytes)
        }
        let outcome: Result<Int, RecordBatchError> = buffer.withUnsafeMutableWritableBytes { writable in
            let usable = UnsafeMutableRawBufferPointer(rebasing: writable[..<min(writable.count, allowed)])
            do throws(RecordBatchError) {
                return .success(try body(usable))
            } catch {
                return .failure(error)
            }
        }
        buffer.moveWriterIndex(forwardBy: try outcome.get())
        if isOverLimit { throw .decompressedTooLarge(limit: limit) }
    }
}

enum Gzip {
    static func compress(_ plain: ByteBuffer, level: Int32, into output: inout ByteBuffer) throws(RecordBatchError) {
        var stream = z_stream()
        // windowBits 15 + 16: deflate with a gzip header and trailer, as java.util.zip.GZIPOutputStream writes.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .invalidRecord("gzip level \(level) rejected by zlib")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(plain.readableBytes)))
        var status = Z_OK
        _ = plain.withUnsafeReadableBytes { input in
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
                stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
                stream.avail_in = uInt(input.count)
                stream.next_out = target.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(min(target.count, Int(UInt32.max)))
                // deflateBound guarantees one Z_FINISH call completes.
                status = deflate(&stream, Z_FINISH)
                return status == Z_STREAM_END ? target.count - Int(stream.avail_out) : 0
            }
        }
        guard status == Z_STREAM_END else { throw .invalidRecord("gzip compression did not finish") }
    }

    static func decompress(_ compressed: ByteBuffer, limit: Int) throws(RecordBatchError) -> ByteBuffer {
        var stream = z_stream()
        // windowBits 15 + 32: accept a gzip or zlib header.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .corruptMessage("zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var output = BoundedOutput(limit: limit, expected: compressed.readableBytes * 4)
        let outcome: Result<Void, RecordBatchError> = compressed.withUnsafeReadableBytes { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            do throws(RecordBatchError) {
                while true {
                    var status: Int32 = Z_OK
                    try output.write { target throws(RecordBatchError) in
                        stream.next_out = target.baseAddress!.assumingMemoryBound(to: Bytef.self)
                        stream.avail_out = uInt(min(target.count, Int(UInt32.max)))
                        status = inflate(&stream, Z_NO_FLUSH)
                        return target.count - Int(stream.avail_out)
                    }
                    switch status {
                    case Z_STREAM_END:
                        // Several gzip members in a row are one stream to Java's GZIPInputStream.
                        guard stream.avail_in > 0 else { return .success(()) }
                        guard inflateReset(&stream) == Z_OK else { throw .corruptMessage("gzip member reset failed") }
                    case Z_OK:
                        continue
                    case Z_BUF_ERROR where stream.avail_in == 0:
                        throw .corruptMessage("gzip stream ends before its trailer")
                    case Z_BUF_ERROR:
                        continue
                    default:
                        throw .corruptMessage("gzip data is damaged (zlib status \(status))")
                    }
                }
            } catch {
                return .failure(error)
            }
        }
        try outcome.get()
        return output.buffer
    }
}

enum Snappy {
    /// Kafka's Java client writes snappy through snappy-java's SnappyOutputStream ("xerial" framing):
    /// an 8-byte magic, version and compatible-version int32s, then blocks each preceded by a
    /// big-endian int32 compressed length.
    static let xerialMagic: [UInt8] = [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00]
    static let xerialHeaderSize = 16
    /// snappy-java's default block size; also what kafka-python writes.
    static let xerialBlockSize = 32 * 1024

    static func compressXerial(_ plain: ByteBuffer, into output: inout ByteBuffer) throws(RecordBatchError) {
        output.writeBytes(xerialMagic)
        output.writeInteger(Int32(1))
        output.writeInteger(Int32(1))
        let status: snappy_status = plain.withUnsafeReadableBytes { input in
            var offset = 0
            while offset < input.count {
                let chunk = min(xerialBlockSize, input.count - offset)
                let bound = snappy_max_compressed_length(chunk)
                var compressedLength = bound
                let lengthIndex = output.writerIndex
                output.writeInteger(Int32(0))
                var status = SNAPPY_OK
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
                    status = snappy_compress(input.baseAddress!.advanced(by: offset).assumingMemoryBound(to: CChar.self), chunk,
                                             target.baseAddress!.assumingMemoryBound(to: CChar.self), &compressedLength)
                    return status == SNAPPY_OK ? compressedLength : 0
                }
                guard status == SNAPPY_OK else { return status }
                output.setInteger(Int32(compressedLength), at: lengthIndex)
                offset += chunk
            }
            return SNAPPY_OK
        }
        guard status == SNAPPY_OK else { throw .invalidRecord("snappy compression failed") }
    }

    /// Compresses as one raw snappy block (no framing), as librdkafka may send.
    static func compressRaw(_ plain: ByteBuffer, into output: inout ByteBuffer) throws(RecordBatchError) {
        let bound = snappy_max_compressed_length(plain.readableBytes)
        var status = SNAPPY_OK
        _ = plain.withUnsafeReadableBytes { input in
            withSourcePointer(input) { source in
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
                    var compressedLength = target.count
                    status = snappy_compress(source, input.count, target.baseAddress!.assumingMemoryBound(to: CChar.self), &compressedLength)
                    return status == SNAPPY_OK ? compressedLength : 0
                }
            }
        }
        guard status == SNAPPY_OK else { throw .invalidRecord("snappy compression failed") }
    }

    /// snappy's C API wants a non-null pointer even for zero bytes.
    static func withSourcePointer<T>(_ input: UnsafeRawBufferPointer, _ body: (UnsafePointer<CChar>) -> T) -> T {
        if let base = input.baseAddress { return body(base.assumingMemoryBound(to: CChar.self)) }
        var placeholder: CChar = 0
        return withUnsafePointer(to: &placeholder) { body($0) }
    }

    static func decompress(_ compressed: ByteBuffer, limit: Int) throws(RecordBatchError) -> ByteBuffer {
        let outcome: Result<ByteBuffer, RecordBatchError> = compressed.withUnsafeReadableBytes { input in
            do throws(RecordBatchError) {
                let isXerial = input.count >= xerialHeaderSize && input.starts(with: xerialMagic)
                guard isXerial else { return .success(try decompressRaw(input, limit: limit)) }
                var output = ByteBufferAllocator().buffer(capacity: min(limit, input.count * 3))
                var offset = xerialHeaderSize
                while offset < input.count {
                    guard input.count - offset >= 4 else { throw .corruptMessage("xerial snappy block length is cut off") }
                    let blockLength = Int(Int32(bigEndian: input.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
                    offset += 4
                    guard blockLength >= 0, blockLength <= input.count - offset else {
                        throw .corruptMessage("xerial snappy block of \(blockLength) bytes with \(input.count - offset) left")
                    }
                    let block = UnsafeRawBufferPointer(rebasing: input[offset..<(offset + blockLength)])
                    try appendRawBlock(block, to: &output, limit: limit)
                    offset += blockLength
                }
                return .success(output)
            } catch {
                return .failure(error)
            }
        }
        return try outcome.get()
    }

    static func decompressRaw(_ input: UnsafeRawBufferPointer, limit: Int) throws(RecordBatchError) -> ByteBuffer {
        var output = ByteBufferAllocator().buffer(capacity: 0)
        try appendRawBlock(input, to: &output, limit: limit)
        return output
    }

    /// Raw snappy blocks state their decompressed size up front, so the limit is checked before allocating.
    static func appendRawBlock(_ block: UnsafeRawBufferPointer, to output: inout ByteBuffer, limit: Int) throws(RecordBatchError) {
        // Even an empty input encodes to one byte (its length varint), so an empty block is damage.
        guard let base = block.baseAddress, block.count > 0 else { throw .corruptMessage("snappy block is empty") }
        let source = base.assumingMemoryBound(to: CChar.self)
        var plainLength = 0
        guard snappy_uncompressed_length(source, block.count, &plainLength) == SNAPPY_OK else {
            throw .corruptMessage("snappy block header is damaged")
        }
        guard plainLength <= limit - output.readableBytes else { throw .decompressedTooLarge(limit: limit) }
        guard plainLength > 0 else {
            guard snappy_validate_compressed_buffer(source, block.count) == SNAPPY_OK else { throw .corruptMessage("snappy block is damaged") }
            return
        }
        var status = SNAPPY_OK
        output.writeWithUnsafeMutableBytes(minimumWritableBytes: plainLength) { target in
            var written = plainLength
            status = snappy_uncompress(source, block.count, target.baseAddress!.assumingMemoryBound(to: CChar.self), &written)
            return status == SNAPPY_OK ? written : 0
        }
        guard status == SNAPPY_OK else { throw .corruptMessage("snappy block is damaged") }
    }
}

enum LZ4Frame {
    static func compress(_ plain: ByteBuffer, level: Int32, into output: inout ByteBuffer) throws(RecordBatchError) {
        // As Kafka's Java client frames it: 64 KiB independent blocks, no content size, no checksums
        // beyond the header's (KIP-57 fixed the header checksum for magic 1+; v2 is always correct).
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max64KB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.compressionLevel = level
        let bound = LZ4F_compressFrameBound(plain.readableBytes, &preferences)
        var errorCode = 0
        _ = plain.withUnsafeReadableBytes { input in
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
                let result = LZ4F_compressFrame(target.baseAddress, target.count, input.baseAddress, input.count, &preferences)
                if LZ4F_isError(result) != 0 { errorCode = result; return 0 }
                return result
            }
        }
        guard errorCode == 0 else { throw .invalidRecord("lz4 compression failed: \(String(cString: LZ4F_getErrorName(errorCode)))") }
    }

    static func decompress(_ compressed: ByteBuffer, limit: Int) throws(RecordBatchError) -> ByteBuffer {
        var context: OpaquePointer?
        guard LZ4F_isError(LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))) == 0, let context else {
            throw .corruptMessage("lz4 decompression context unavailable")
        }
        defer { LZ4F_freeDecompressionContext(context) }
        var output = BoundedOutput(limit: limit, expected: compressed.readableBytes * 4)
        let outcome: Result<Void, RecordBatchError> = compressed.withUnsafeReadableBytes { input in
            do throws(RecordBatchError) {
                guard input.count > 0 else { throw .corruptMessage("lz4 block is empty") }
                var consumed = 0
                var hint = 1
                while consumed < input.count {
                    var progressed = false
                    try output.write { target throws(RecordBatchError) in
                        var sourceSize = input.count - consumed
                        var targetSize = target.count
                        hint = LZ4F_decompress(context, target.baseAddress, &targetSize, input.baseAddress! + consumed, &sourceSize, nil)
                        if LZ4F_isError(hint) != 0 {
                            throw .corruptMessage("lz4 frame is damaged: \(String(cString: LZ4F_getErrorName(hint)))")
                        }
                        consumed += sourceSize
                        progressed = sourceSize > 0 || targetSize > 0
                        return targetSize
                    }
                    guard progressed else { throw .corruptMessage("lz4 frame made no progress") }
                }
                // The frame may still hold decoded bytes once all input is consumed.
                while hint != 0 {
                    var flushed = 0
                    try output.write { target throws(RecordBatchError) in
                        var sourceSize = 0
                        var targetSize = target.count
                        hint = LZ4F_decompress(context, target.baseAddress, &targetSize, nil, &sourceSize, nil)
                        if LZ4F_isError(hint) != 0 { throw .corruptMessage("lz4 frame is damaged") }
                        flushed = targetSize
                        return targetSize
                    }
                    guard flushed > 0 || hint == 0 else { throw .corruptMessage("lz4 frame ends early") }
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try outcome.get()
        return output.buffer
    }
}

enum Zstd {
    static func compress(_ plain: ByteBuffer, level: Int32, into output: inout ByteBuffer) throws(RecordBatchError) {
        let bound = ZSTD_compressBound(plain.readableBytes)
        var errorCode = 0
        _ = plain.withUnsafeReadableBytes { input in
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
                let result = ZSTD_compress(target.baseAddress, target.count, input.baseAddress, input.count, level)
                if ZSTD_isError(result) != 0 { errorCode = result; return 0 }
                return result
            }
        }
        guard errorCode == 0 else { throw .invalidRecord("zstd compression failed: \(String(cString: ZSTD_getErrorName(errorCode)))") }
    }

    static func decompress(_ compressed: ByteBuffer, limit: Int) throws(RecordBatchError) -> ByteBuffer {
        guard let context = ZSTD_createDCtx() else { throw .corruptMessage("zstd decompression context unavailable") }
        defer { ZSTD_freeDCtx(context) }
        var output = BoundedOutput(limit: limit, expected: compressed.readableBytes * 4)
        let outcome: Result<Void, RecordBatchError> = compressed.withUnsafeReadableBytes { input in
            do throws(RecordBatchError) {
                guard input.count > 0 else { throw .corruptMessage("zstd block is empty") }
                var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
                var remainingHint = 1
                // Continue while input remains (several frames) or the last frame is unfinished
                // with output pending.
                while inBuffer.pos < inBuffer.size || remainingHint != 0 {
                    let positionBefore = inBuffer.pos
                    var produced = 0
                    try output.write { target throws(RecordBatchError) in
                        var outBuffer = ZSTD_outBuffer(dst: target.baseAddress, size: target.count, pos: 0)
                        remainingHint = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                        if ZSTD_isError(remainingHint) != 0 {
                            throw .corruptMessage("zstd data is damaged: \(String(cString: ZSTD_getErrorName(remainingHint)))")
                        }
                        produced = outBuffer.pos
                        return outBuffer.pos
                    }
                    if produced == 0 && inBuffer.pos == positionBefore {
                        throw .corruptMessage("zstd frame ends early")
                    }
                }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try outcome.get()
        return output.buffer
    }
}

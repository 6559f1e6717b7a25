import NIOCore

/// Dispatch from a batch's codec to the codec implementations.
enum Compression {
    static func compress(_ plain: ByteBuffer, codec: CompressionCodec, into output: inout ByteBuffer) throws(RecordBatchError) {
        switch codec {
        case .none: output.writeImmutableBuffer(plain)
        default: throw .unsupportedCompression(codec.rawValue)
        }
    }

    static func decompress(_ compressed: ByteBuffer, codec: CompressionCodec, limit: Int) throws(RecordBatchError) -> ByteBuffer {
        switch codec {
        case .none:
            guard compressed.readableBytes <= limit else { throw .decompressedTooLarge(limit: limit) }
            return compressed
        default: throw .unsupportedCompression(codec.rawValue)
        }
    }
}

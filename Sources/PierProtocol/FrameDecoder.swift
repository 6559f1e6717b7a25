import NIOCore

/// Why a size-prefixed Kafka frame could not be taken off the wire.
public enum FramingError: Error, Equatable, Sendable {
    /// The 4-byte size prefix was negative.
    case negativeSize(Int32)
    /// The size prefix announced more than the configured maximum (`socket.request.max.bytes`).
    case frameTooLarge(size: Int, limit: Int)
}

/// Splits a byte stream into Kafka frames: a big-endian Int32 size followed by that many bytes.
///
/// A plain value type so that it can be tested without a channel; `KafkaFrameDecoder` adapts it to NIO.
/// The size is checked against `maximumFrameSize` *before* any byte of the body is awaited,
/// so a hostile size prefix never makes the broker reserve memory for it.
public struct FrameSplitter: Sendable {
    /// Kafka's `socket.request.max.bytes` default: 100 MiB.
    public static let defaultMaximumFrameSize = 104_857_600

    public let maximumFrameSize: Int

    public init(maximumFrameSize: Int = FrameSplitter.defaultMaximumFrameSize) {
        precondition(maximumFrameSize >= 0, "a frame size limit cannot be negative")
        self.maximumFrameSize = maximumFrameSize
    }

    /// Takes one whole frame body out of `buffer`, or returns nil (leaving `buffer` untouched) when it is not all there yet.
    /// The returned buffer is a slice of `buffer`'s storage, not a copy.
    public func nextFrame(from buffer: inout ByteBuffer) throws(FramingError) -> ByteBuffer? {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return nil }
        guard size >= 0 else { throw .negativeSize(size) }
        guard Int(size) <= maximumFrameSize else { throw .frameTooLarge(size: Int(size), limit: maximumFrameSize) }
        guard buffer.readableBytes >= 4 + Int(size) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(size))
    }
}

/// NIO adapter for `FrameSplitter`: emits each frame body as a `ByteBuffer`.
public struct KafkaFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    private let splitter: FrameSplitter

    public init(maximumFrameSize: Int = FrameSplitter.defaultMaximumFrameSize) {
        self.splitter = FrameSplitter(maximumFrameSize: maximumFrameSize)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try splitter.nextFrame(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}

extension ByteBuffer {
    /// Writes `body` as one Kafka frame: its size as a big-endian Int32, then the bytes.
    public mutating func writeKafkaFrame(_ body: ByteBuffer) {
        writeInteger(Int32(body.readableBytes))
        writeImmutableBuffer(body)
    }

    /// Writes a frame whose body is produced by `writeBody`, back-filling the size prefix without an extra copy.
    @discardableResult
    public mutating func writeKafkaFrame(_ writeBody: (inout ByteBuffer) throws -> Void) rethrows -> Int {
        let sizeIndex = writerIndex
        writeInteger(Int32(0))
        try writeBody(&self)
        let bodySize = writerIndex - sizeIndex - 4
        setInteger(Int32(bodySize), at: sizeIndex)
        return bodySize
    }
}

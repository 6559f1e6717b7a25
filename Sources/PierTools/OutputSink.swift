import Foundation
import NIOCore

/// Buffered writes to a file descriptor (stdout by default): a million records are a few hundred
/// writes, not a million.
public final class OutputSink {
    public var buffer = ByteBuffer()
    private let descriptor: Int32
    private let flushThreshold: Int

    public init(descriptor: Int32 = STDOUT_FILENO, flushThreshold: Int = 256 * 1024) {
        self.descriptor = descriptor
        self.flushThreshold = flushThreshold
        buffer.reserveCapacity(flushThreshold + 64 * 1024)
    }

    /// Writes out the buffer once it holds enough.
    public func flushIfFull() throws {
        if buffer.readableBytes >= flushThreshold { try flush() }
    }

    public func flush() throws {
        while buffer.readableBytes > 0 {
            let written = buffer.withUnsafeReadableBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw ToolFailure("cannot write output: \(String(cString: strerror(errno)))")
            }
            buffer.moveReaderIndex(forwardBy: written)
        }
        buffer.clear()
    }
}

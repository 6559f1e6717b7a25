import NIOCore

/// A tagged field this version of Pier does not know: kept as raw bytes and written back unchanged,
/// so a message passes through without losing what a newer peer put in it.
public struct KafkaTaggedField: Hashable, Sendable {
    public var tag: UInt32
    public var data: ByteBuffer

    public init(tag: UInt32, data: ByteBuffer) {
        self.tag = tag
        self.data = data
    }
}

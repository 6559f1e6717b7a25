import NIOCore
import PierProtocol
import Testing

@Suite struct FrameSplitterTests {
    @Test func splitsConsecutiveFramesAndWaitsForPartialOnes() throws {
        var stream = ByteBuffer()
        stream.writeKafkaFrame(ByteBuffer(bytes: [1, 2, 3]))
        stream.writeKafkaFrame(ByteBuffer(bytes: []))
        stream.writeKafkaFrame(ByteBuffer(bytes: [9, 9, 9, 9, 9]))
        stream.moveWriterIndex(to: stream.writerIndex - 2)  // last frame arrives only in part

        let splitter = FrameSplitter()
        #expect(try splitter.nextFrame(from: &stream) == ByteBuffer(bytes: [1, 2, 3]))
        #expect(try splitter.nextFrame(from: &stream) == ByteBuffer(bytes: []))
        let before = stream.readerIndex
        #expect(try splitter.nextFrame(from: &stream) == nil)
        #expect(stream.readerIndex == before, "an incomplete frame must not be consumed")
    }

    @Test func sizePrefixAloneIsNotEnough() throws {
        var stream = ByteBuffer(bytes: [0, 0])
        #expect(try FrameSplitter().nextFrame(from: &stream) == nil)
    }

    @Test func rejectsOversizedFrameBeforeItsBodyArrives() {
        var stream = ByteBuffer()
        stream.writeInteger(Int32.max)
        let splitter = FrameSplitter(maximumFrameSize: 1024)
        #expect(throws: FramingError.frameTooLarge(size: Int(Int32.max), limit: 1024)) {
            try splitter.nextFrame(from: &stream)
        }
    }

    @Test func rejectsNegativeSize() {
        var stream = ByteBuffer()
        stream.writeInteger(Int32(-7))
        #expect(throws: FramingError.negativeSize(-7)) { try FrameSplitter().nextFrame(from: &stream) }
    }

    @Test func defaultLimitIsKafkasSocketRequestMaxBytes() {
        #expect(FrameSplitter().maximumFrameSize == 100 * 1024 * 1024)
    }

    @Test func backFilledFrameSizeMatchesBody() {
        var buffer = ByteBuffer()
        let size = buffer.writeKafkaFrame { body in body.writeString("hello") }
        #expect(size == 5)
        #expect(buffer.readInteger(as: Int32.self) == 5)
        #expect(buffer.readString(length: 5) == "hello")
    }
}

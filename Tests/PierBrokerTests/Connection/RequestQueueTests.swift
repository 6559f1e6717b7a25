import NIOCore
@testable import PierBroker
import Testing

@Suite struct RequestQueueTests {
    private func frame(_ byte: UInt8) -> ByteBuffer { ByteBuffer(bytes: [byte]) }

    @Test func firstFrameIsHandledAtOnceAndLaterOnesWaitInOrder() {
        var queue = RequestQueue(maximumWaiting: 8)
        #expect(queue.received(frame(1)) == frame(1))
        #expect(queue.received(frame(2)) == nil)
        #expect(queue.received(frame(3)) == nil)
        #expect(queue.waitingCount == 2)
        #expect(queue.finished() == frame(2))
        #expect(queue.finished() == frame(3))
        #expect(queue.finished() == nil)
        #expect(queue.isIdle)
    }

    @Test func aFrameAfterTheQueueEmptiedIsHandledAtOnce() {
        var queue = RequestQueue(maximumWaiting: 8)
        _ = queue.received(frame(1))
        #expect(queue.finished() == nil)
        #expect(!queue.isHandling)
        #expect(queue.received(frame(2)) == frame(2))
        #expect(!queue.isIdle)
    }

    @Test func readingStopsWhenTheWaitingLimitIsReachedAndResumesAsItDrains() {
        var queue = RequestQueue(maximumWaiting: 2)
        _ = queue.received(frame(0))
        #expect(queue.acceptsMoreRequests)
        _ = queue.received(frame(1))
        #expect(queue.acceptsMoreRequests)
        _ = queue.received(frame(2))
        #expect(!queue.acceptsMoreRequests)
        _ = queue.finished()
        #expect(queue.acceptsMoreRequests)
    }

    @Test func discardingDropsWaitingFramesButNotTheOneInHand() {
        var queue = RequestQueue(maximumWaiting: 4)
        _ = queue.received(frame(0))
        _ = queue.received(frame(1))
        queue.discardWaiting()
        #expect(queue.isHandling)
        #expect(queue.finished() == nil)
        #expect(queue.isIdle)
    }
}

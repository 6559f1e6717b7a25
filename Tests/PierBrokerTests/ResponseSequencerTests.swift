import NIOCore
@testable import PierBroker
import Testing

@Suite struct ResponseSequencerTests {
    func bytes(_ value: UInt8) -> ByteBuffer { ByteBuffer(bytes: [value]) }

    @Test func inOrderCompletionsFlowStraightThrough() {
        var sequencer = ResponseSequencer(maximumInFlight: 4)
        let first = sequencer.requestReceived(), second = sequencer.requestReceived()
        #expect(sequencer.requestCompleted(first, .response(bytes(1))) == [bytes(1)])
        #expect(sequencer.requestCompleted(second, .response(bytes(2))) == [bytes(2)])
        #expect(sequencer.inFlight == 0)
    }

    @Test func laterResponsesWaitForEarlierOnes() {
        var sequencer = ResponseSequencer(maximumInFlight: 4)
        let fetch = sequencer.requestReceived(), metadata = sequencer.requestReceived(), apiVersions = sequencer.requestReceived()
        #expect(sequencer.requestCompleted(apiVersions, .response(bytes(3))).isEmpty)
        #expect(sequencer.requestCompleted(metadata, .response(bytes(2))).isEmpty)
        #expect(sequencer.requestCompleted(fetch, .response(bytes(1))) == [bytes(1), bytes(2), bytes(3)])
    }

    @Test func requestsWithoutResponseStillReleaseTheQueue() {
        var sequencer = ResponseSequencer(maximumInFlight: 4)
        let produceAcks0 = sequencer.requestReceived(), metadata = sequencer.requestReceived()
        #expect(sequencer.requestCompleted(metadata, .response(bytes(2))).isEmpty)
        #expect(sequencer.requestCompleted(produceAcks0, .noResponse) == [bytes(2)])
        #expect(sequencer.inFlight == 0)
    }

    @Test func backpressureStopsReadingAtTheLimitAndResumes() {
        var sequencer = ResponseSequencer(maximumInFlight: 2)
        let first = sequencer.requestReceived()
        #expect(sequencer.acceptsMoreRequests)
        _ = sequencer.requestReceived()
        #expect(!sequencer.acceptsMoreRequests)
        _ = sequencer.requestCompleted(first, .response(bytes(1)))
        #expect(sequencer.acceptsMoreRequests)
    }
}

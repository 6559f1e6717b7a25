import NIOCore
import NIOEmbedded
import PierProtocol
import Testing
@testable import PierClient

/// The channel handler on an EmbeddedChannel: what it writes is read back as bytes, answers are
/// fed in as frames, and promises are checked; no socket involved.
@Suite struct KafkaClientHandlerTests {
    private func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(KafkaClientHandler(clientID: "tests"))
        return channel
    }

    /// Everything written so far, as one byte stream.
    private func written(_ channel: EmbeddedChannel) throws -> ByteBuffer {
        var stream = ByteBuffer()
        while var chunk = try channel.readOutbound(as: ByteBuffer.self) { stream.writeBuffer(&chunk) }
        return stream
    }

    @Test func requestsAreFramedWithHeadersAndAnswersCompleteTheirPromisesInOrder() throws {
        let channel = try channel()
        let first = channel.eventLoop.makePromise(of: ResponseFrame.self)
        let second = channel.eventLoop.makePromise(of: ResponseFrame.self)
        var body = ByteBuffer()
        try MetadataRequest(topics: nil).encode(into: &body, version: 12)
        try channel.writeOutbound(OutgoingRequest(apiKey: .metadata, apiVersion: 12, body: body, response: first))
        try channel.writeOutbound(OutgoingRequest(apiKey: .metadata, apiVersion: 12, body: body, response: second))

        var stream = try written(channel)
        for expectedID: Int32 in [0, 1] {
            let frame = try #require(try FrameSplitter().nextFrame(from: &stream))
            var request = frame
            let (header, headerVersion) = try RequestHeader.decode(from: &request)
            #expect(headerVersion == 2)
            #expect(header.requestApiKey == ApiKey.metadata.rawValue && header.requestApiVersion == 12)
            #expect(header.correlationId == expectedID)
            #expect(header.clientId == "tests")
            #expect(try MetadataRequest(from: &request, version: 12) == MetadataRequest(topics: nil))
            #expect(request.readableBytes == 0)
        }
        #expect(stream.readableBytes == 0)

        for correlationID: Int32 in [0, 1] {
            var answer = ByteBuffer()
            ResponseHeader.write(correlationId: correlationID, apiKey: .metadata, apiVersion: 12, into: &answer)
            try MetadataResponse(controllerId: correlationID).encode(into: &answer, version: 12)
            try channel.writeInbound(answer)
        }
        var firstBody = try first.futureResult.wait().body
        var secondBody = try second.futureResult.wait().body
        #expect(try MetadataResponse(from: &firstBody, version: 12).controllerId == 0)
        #expect(try MetadataResponse(from: &secondBody, version: 12).controllerId == 1)
        _ = try channel.finish()
    }

    @Test func closingTheConnectionFailsTheRequestsStillWaiting() throws {
        let channel = try channel()
        let waiting = channel.eventLoop.makePromise(of: ResponseFrame.self)
        try channel.writeOutbound(OutgoingRequest(apiKey: .fetch, apiVersion: 11, body: ByteBuffer(), response: waiting))
        _ = try channel.finish(acceptAlreadyClosed: true)
        #expect(throws: KafkaClientError.connectionClosed) { try waiting.futureResult.wait() }
    }

    @Test func abandoningTheConnectionFailsWaitersWithTheReason() throws {
        let channel = try channel()
        let waiting = channel.eventLoop.makePromise(of: ResponseFrame.self)
        try channel.writeOutbound(OutgoingRequest(apiKey: .produce, apiVersion: 9, body: ByteBuffer(), response: waiting))
        channel.pipeline.triggerUserOutboundEvent(AbandonConnection(error: .requestTimedOut(.produce)), promise: nil)
        #expect(throws: KafkaClientError.requestTimedOut(.produce)) { try waiting.futureResult.wait() }
        #expect(!channel.isActive)
    }
}

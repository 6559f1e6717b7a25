import NIOCore
import PierProtocol
import Testing
@testable import PierClient

/// The request pipeline fed events directly, no sockets: waiters are plain strings.
@Suite struct RequestPipelineTests {
    /// A response frame (size prefix already removed) for header version `headerVersion`.
    private func frame(correlationID: Int32, headerVersion: Int16 = 0, body: [UInt8] = [0xAB, 0xCD]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(correlationID)
        if headerVersion >= 1 { buffer.writeKafkaTaggedFields([]) }
        buffer.writeBytes(body)
        return buffer
    }

    private func correlationID(_ action: RequestPipeline<String>.SendAction) -> Int32? {
        if case .write(let correlationID) = action { return correlationID }
        return nil
    }

    @Test func correlationIDsCountUpAndResponsesGoToTheirRequestsInOrder() throws {
        var pipeline = RequestPipeline<String>(firstCorrelationID: 7)
        #expect(correlationID(pipeline.sendRequested(apiKey: .produce, apiVersion: 8, waiter: "first")) == 7)
        #expect(correlationID(pipeline.sendRequested(apiKey: .produce, apiVersion: 8, waiter: "second")) == 8)
        #expect(pipeline.waitingCount == 2)

        guard case .deliver(let waiter, let response) = pipeline.frameReceived(frame(correlationID: 7, body: [1, 2, 3])) else {
            Issue.record("the first response was not delivered")
            return
        }
        #expect(waiter == "first")
        #expect(response.correlationID == 7)
        #expect(response.apiKey == .produce && response.apiVersion == 8)
        #expect(response.body.getBytes(at: response.body.readerIndex, length: response.body.readableBytes) == [1, 2, 3])

        guard case .deliver(let second, _) = pipeline.frameReceived(frame(correlationID: 8)) else {
            Issue.record("the second response was not delivered")
            return
        }
        #expect(second == "second")
        #expect(pipeline.waitingCount == 0)
    }

    @Test func flexibleResponseHeadersLoseTheirTaggedFieldsButApiVersionsKeepsHeaderV0() throws {
        var pipeline = RequestPipeline<String>()
        _ = pipeline.sendRequested(apiKey: .metadata, apiVersion: 12, waiter: "metadata")
        _ = pipeline.sendRequested(apiKey: .apiVersions, apiVersion: 3, waiter: "versions")

        guard case .deliver(_, let metadata) = pipeline.frameReceived(frame(correlationID: 0, headerVersion: 1, body: [9])) else {
            Issue.record("metadata response not delivered")
            return
        }
        #expect(metadata.body.readableBytes == 1)
        #expect(metadata.body.getInteger(at: metadata.body.readerIndex, as: UInt8.self) == 9)

        // ApiVersions answers always use header v0, even at flexible versions: the byte after the
        // correlation id is already the body.
        guard case .deliver(_, let versions) = pipeline.frameReceived(frame(correlationID: 1, headerVersion: 0, body: [0, 0])) else {
            Issue.record("ApiVersions response not delivered")
            return
        }
        #expect(versions.body.readableBytes == 2)
    }

    @Test func requestsWithoutAnswersTakeAnIDButNeverWait() throws {
        var pipeline = RequestPipeline<String>()
        _ = pipeline.sendRequested(apiKey: .produce, apiVersion: 9, waiter: nil)
        #expect(correlationID(pipeline.sendRequested(apiKey: .produce, apiVersion: 9, waiter: "acked")) == 1)
        #expect(pipeline.waitingCount == 1)
        guard case .deliver(let waiter, _) = pipeline.frameReceived(frame(correlationID: 1, headerVersion: 1)) else {
            Issue.record("the acknowledged produce was not delivered")
            return
        }
        #expect(waiter == "acked")
    }

    @Test func anAnswerOutOfOrderClosesTheConnectionAndFailsEveryWaiter() throws {
        var pipeline = RequestPipeline<String>()
        _ = pipeline.sendRequested(apiKey: .fetch, apiVersion: 11, waiter: "a")
        _ = pipeline.sendRequested(apiKey: .fetch, apiVersion: 11, waiter: "b")
        guard case .closeConnection(let error, let waiters) = pipeline.frameReceived(frame(correlationID: 1)) else {
            Issue.record("a response for the second request first was accepted")
            return
        }
        #expect(waiters == ["a", "b"])
        guard case .protocolViolation(let detail) = error else {
            Issue.record("expected a protocol violation, got \(error)")
            return
        }
        #expect(detail.contains("correlation id 1") && detail.contains("0 (Fetch)"))
        #expect(pipeline.isClosed)

        // Once closed, new requests fail with the same reason and stray frames are dropped.
        guard case .fail(let later) = pipeline.sendRequested(apiKey: .fetch, apiVersion: 11, waiter: "c") else {
            Issue.record("a request was written on a closed connection")
            return
        }
        #expect(later == error)
        guard case .ignore = pipeline.frameReceived(frame(correlationID: 0)) else {
            Issue.record("a frame was handled after the connection closed")
            return
        }
    }

    @Test func anAnswerNobodyAskedForIsAProtocolViolation() throws {
        var pipeline = RequestPipeline<String>()
        guard case .closeConnection(.protocolViolation(let detail), let waiters) = pipeline.frameReceived(frame(correlationID: 0)) else {
            Issue.record("an unsolicited response was accepted")
            return
        }
        #expect(waiters.isEmpty)
        #expect(detail.contains("no request waiting"))
    }

    @Test func aFrameTooShortForAHeaderIsAProtocolViolation() throws {
        var pipeline = RequestPipeline<String>()
        _ = pipeline.sendRequested(apiKey: .metadata, apiVersion: 9, waiter: "m")
        guard case .closeConnection(.protocolViolation, let waiters) = pipeline.frameReceived(ByteBuffer(bytes: [0, 0])) else {
            Issue.record("a two-byte response was accepted")
            return
        }
        #expect(waiters == ["m"])

        // A flexible header whose tagged-field section is missing is malformed too.
        var flexible = RequestPipeline<String>()
        _ = flexible.sendRequested(apiKey: .metadata, apiVersion: 9, waiter: "n")
        guard case .closeConnection(.protocolViolation(let detail), _) = flexible.frameReceived(frame(correlationID: 0, headerVersion: 0, body: [])) else {
            Issue.record("a flexible header without tagged fields was accepted")
            return
        }
        #expect(detail.contains("header is malformed"))
    }

    @Test func closingFailsTheWaitersOnce() {
        var pipeline = RequestPipeline<String>()
        _ = pipeline.sendRequested(apiKey: .listOffsets, apiVersion: 7, waiter: "x")
        _ = pipeline.sendRequested(apiKey: .listOffsets, apiVersion: 7, waiter: "y")
        #expect(pipeline.closed(because: .connectionClosed) == ["x", "y"])
        #expect(pipeline.closed(because: .requestTimedOut(.listOffsets)).isEmpty)
        guard case .fail(.connectionClosed) = pipeline.sendRequested(apiKey: .listOffsets, apiVersion: 7, waiter: "z") else {
            Issue.record("the first reason for closing was not kept")
            return
        }
    }

    @Test func correlationIDsWrapToZeroNotNegative() {
        var pipeline = RequestPipeline<String>(firstCorrelationID: .max)
        #expect(correlationID(pipeline.sendRequested(apiKey: .metadata, apiVersion: 1, waiter: nil)) == .max)
        #expect(correlationID(pipeline.sendRequested(apiKey: .metadata, apiVersion: 1, waiter: nil)) == 0)
    }
}

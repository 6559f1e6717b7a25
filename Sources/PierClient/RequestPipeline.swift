import NIOCore
import PierProtocol

/// An answer taken off the wire and matched to the request it answers; `body` starts after the
/// response header.
public struct ResponseFrame: Sendable {
    public var correlationID: Int32
    public var apiKey: ApiKey
    public var apiVersion: Int16
    public var body: ByteBuffer
}

/// The requests in flight on one client connection: hands out correlation ids and matches each
/// response to the request it answers.
///
/// A broker answers a connection's requests in the order they were sent (Kafka mutes a channel
/// until its response is out), so a response must carry the correlation id of the oldest request
/// still waiting; anything else means the stream can no longer be trusted and the connection
/// closes, failing every waiter. Requests that expect no answer (Produce with acks=0) get an id but
/// never wait. A plain value type, as in postgres-nio: the channel handler feeds it events and
/// performs the actions it returns, and tests drive it without sockets. `Waiter` is whatever the
/// handler completes (a promise in production, a plain value in tests).
public struct RequestPipeline<Waiter> {
    private struct InFlight {
        var correlationID: Int32
        var apiKey: ApiKey
        var apiVersion: Int16
        var waiter: Waiter
    }

    private var inFlight = CircularBuffer<InFlight>()
    private var nextCorrelationID: Int32
    /// Set once the connection is unusable; later requests fail with it at once.
    private var closedBecause: KafkaClientError?

    public init(firstCorrelationID: Int32 = 0) {
        precondition(firstCorrelationID >= 0, "correlation ids are non-negative")
        nextCorrelationID = firstCorrelationID
    }

    /// Requests sent and still waiting for their answers.
    public var waitingCount: Int { inFlight.count }

    public var isClosed: Bool { closedBecause != nil }

    public enum SendAction {
        /// Write the request with this correlation id in its header.
        case write(correlationID: Int32)
        /// The connection is closed: fail the waiter with this error and write nothing.
        case fail(KafkaClientError)
    }

    /// The caller wants to send a request. With `waiter` nil no answer is expected.
    public mutating func sendRequested(apiKey: ApiKey, apiVersion: Int16, waiter: Waiter?) -> SendAction {
        if let closedBecause { return .fail(closedBecause) }
        let correlationID = nextCorrelationID
        // Wrap to 0 rather than going negative, as Kafka's NetworkClient does.
        nextCorrelationID = correlationID == .max ? 0 : correlationID + 1
        if let waiter {
            inFlight.append(InFlight(correlationID: correlationID, apiKey: apiKey, apiVersion: apiVersion, waiter: waiter))
        }
        return .write(correlationID: correlationID)
    }

    public enum ReceiveAction {
        /// Complete `waiter` with the response.
        case deliver(Waiter, ResponseFrame)
        /// Close the connection and fail every one of `waiters` with the error.
        case closeConnection(KafkaClientError, failing: [Waiter])
        /// Already closed: the frame is dropped.
        case ignore
    }

    /// A whole response frame (size prefix removed) arrived.
    public mutating func frameReceived(_ frame: ByteBuffer) -> ReceiveAction {
        guard closedBecause == nil else { return .ignore }
        var frame = frame
        guard let correlationID = frame.getInteger(at: frame.readerIndex, as: Int32.self) else {
            return close(.protocolViolation("a response of \(frame.readableBytes) bytes has no header"))
        }
        guard let oldest = inFlight.first else {
            return close(.protocolViolation("a response with correlation id \(correlationID) arrived with no request waiting"))
        }
        guard correlationID == oldest.correlationID else {
            return close(.protocolViolation(
                "a response with correlation id \(correlationID) arrived while \(oldest.correlationID) (\(oldest.apiKey)) was the oldest request waiting"))
        }
        do {
            _ = try ResponseHeader(from: &frame, version: oldest.apiKey.responseHeaderVersion(for: oldest.apiVersion))
        } catch {
            return close(.protocolViolation("the \(oldest.apiKey) response header is malformed: \(error)"))
        }
        inFlight.removeFirst()
        return .deliver(oldest.waiter, ResponseFrame(correlationID: correlationID, apiKey: oldest.apiKey, apiVersion: oldest.apiVersion, body: frame))
    }

    /// The connection is going away (closed by the peer, an I/O error, a timeout, the user):
    /// returns the waiters to fail with `error`. Later events change nothing.
    public mutating func closed(because error: KafkaClientError) -> [Waiter] {
        guard closedBecause == nil else { return [] }
        closedBecause = error
        let waiters = inFlight.map(\.waiter)
        inFlight.removeAll()
        return waiters
    }

    private mutating func close(_ error: KafkaClientError) -> ReceiveAction {
        .closeConnection(error, failing: closed(because: error))
    }
}

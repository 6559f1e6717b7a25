import NIOCore

/// Puts a connection's responses back in request order.
///
/// Kafka clients pipeline requests and match responses by order as well as correlation id, so a
/// broker that handles requests concurrently (a long-polling Fetch next to a Metadata) must still
/// answer in arrival order. A plain value type: the connection handler feeds it events and performs
/// the actions it returns; tests drive it without sockets.
struct ResponseSequencer {
    /// Identifies one request on its connection, in arrival order.
    struct Ticket: Hashable, Sendable {
        fileprivate let sequence: UInt64
    }

    enum Completion {
        /// Bytes to write (a whole frame).
        case response(ByteBuffer)
        /// The request needs no response (a Produce with acks=0), but later responses may now go.
        case noResponse
    }

    private var nextSequence: UInt64 = 0
    private var nextToWrite: UInt64 = 0
    private var completed: [UInt64: Completion] = [:]
    let maximumInFlight: Int

    init(maximumInFlight: Int) {
        precondition(maximumInFlight > 0)
        self.maximumInFlight = maximumInFlight
    }

    /// Requests received whose response has not been written yet.
    var inFlight: Int { Int(nextSequence - nextToWrite) }

    /// Whether the connection should read more requests: false applies backpressure to a client
    /// that pipelines faster than the broker answers.
    var acceptsMoreRequests: Bool { inFlight < maximumInFlight }

    mutating func requestReceived() -> Ticket {
        defer { nextSequence += 1 }
        return Ticket(sequence: nextSequence)
    }

    /// Records a finished request; returns the responses that can now be written, in order.
    mutating func requestCompleted(_ ticket: Ticket, _ completion: Completion) -> [ByteBuffer] {
        precondition(ticket.sequence >= nextToWrite && ticket.sequence < nextSequence && completed[ticket.sequence] == nil,
                     "each ticket completes once")
        completed[ticket.sequence] = completion
        var ready: [ByteBuffer] = []
        while let next = completed.removeValue(forKey: nextToWrite) {
            if case let .response(bytes) = next { ready.append(bytes) }
            nextToWrite += 1
        }
        return ready
    }
}

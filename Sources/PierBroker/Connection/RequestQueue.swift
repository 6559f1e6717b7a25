import NIOCore

/// A connection's requests, handled one at a time in arrival order.
///
/// Kafka handles a connection's requests strictly in order (its network layer mutes a channel
/// until the response is out): two pipelined Produce requests to one partition must be appended in
/// the order they were sent, and responses must come back in request order. Clients still
/// pipeline; the frames wait here. A plain value type: the connection handler feeds it events and
/// acts on what it returns, and tests drive it without sockets.
struct RequestQueue {
    private var waiting = CircularBuffer<ByteBuffer>()
    private(set) var isHandling = false
    /// Frames allowed to wait before the connection stops reading (backpressure).
    let maximumWaiting: Int

    init(maximumWaiting: Int) {
        precondition(maximumWaiting > 0)
        self.maximumWaiting = maximumWaiting
    }

    /// Whether the connection should read more frames.
    var acceptsMoreRequests: Bool { waiting.count < maximumWaiting }

    /// No request is being handled or waiting.
    var isIdle: Bool { !isHandling && waiting.isEmpty }

    var waitingCount: Int { waiting.count }

    /// A frame arrived; returns it when it should be handled now, nil when it waits its turn.
    mutating func received(_ frame: ByteBuffer) -> ByteBuffer? {
        if isHandling {
            waiting.append(frame)
            return nil
        }
        isHandling = true
        return frame
    }

    /// The current request is answered; returns the next frame to handle, if one is waiting.
    mutating func finished() -> ByteBuffer? {
        precondition(isHandling, "finished() without a request in hand")
        guard let next = waiting.popFirst() else {
            isHandling = false
            return nil
        }
        return next
    }

    /// The connection is closing: waiting frames will never be answered.
    mutating func discardWaiting() {
        waiting.removeAll()
    }
}

import NIOCore

/// What the connection does with one request frame.
enum RequestOutcome: Sendable {
    /// Write this frame (size prefix included).
    case respond(ByteBuffer)
    /// Nothing to write (a Produce with acks=0 that succeeded).
    case noResponse
    /// Close the connection: the request cannot be answered in a form the client would understand
    /// (a malformed header, an api key or version nobody advertised), as Kafka's broker does.
    case close(reason: String)
}

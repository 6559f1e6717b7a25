import PierProtocol

/// Why one partition of a produce request was not appended: the code the client acts on, and a
/// message for the response's `error_message` (v8+) and the log.
struct ProduceRejection: Error, Equatable, Sendable {
    let errorCode: ErrorCode
    let message: String
    /// The leader as this broker knows it, when the rejection is about leadership (-1: unknown):
    /// Produce v10+ tells the client (`current_leader`), which then skips a metadata round trip.
    var leaderID: Int32 = -1
    var leaderEpoch: Int32 = -1

    init(_ errorCode: ErrorCode, _ message: String) {
        self.errorCode = errorCode
        self.message = message
    }
}

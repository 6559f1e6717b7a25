import PierProtocol

/// Why one partition of a produce request was not appended: the code the client acts on, and a
/// message for the response's `error_message` (v8+) and the log.
struct ProduceRejection: Error, Equatable, Sendable {
    let errorCode: ErrorCode
    let message: String

    init(_ errorCode: ErrorCode, _ message: String) {
        self.errorCode = errorCode
        self.message = message
    }
}

import PierProtocol

/// Why a request to a broker did not get an answer the caller can use. Each case reads as one line
/// for a person (`description`), since the perf tools print it as their only output on failure.
public enum KafkaClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No TCP connection could be made to the broker.
    case unreachable(address: String, reason: String)
    /// The connection closed while requests were waiting for answers (or before one was sent).
    case connectionClosed
    /// The broker did not answer within the request timeout; the connection was closed, as Kafka's
    /// clients do, because later answers on it could no longer be matched.
    case requestTimedOut(ApiKey)
    /// The broker sent bytes that break the protocol (an answer nobody asked for, a malformed body).
    case protocolViolation(String)
    /// The broker does not implement any version of `ApiKey` this client speaks.
    case unsupportedApi(ApiKey)
    /// The broker answered with a Kafka error code.
    case broker(ErrorCode, context: String)
    /// A request could not be encoded (a field set at a version that lacks it).
    case encoding(String)

    public var description: String {
        switch self {
        case .unreachable(let address, let reason): "broker unreachable at \(address) (\(reason))"
        case .connectionClosed: "the broker closed the connection"
        case .requestTimedOut(let apiKey): "the broker did not answer a \(apiKey) request in time"
        case .protocolViolation(let detail): "the broker broke the Kafka protocol: \(detail)"
        case .unsupportedApi(let apiKey): "the broker supports no version of \(apiKey) that this client speaks"
        case .broker(let code, let context): "\(context): \(code)"
        case .encoding(let detail): "cannot encode request: \(detail)"
        }
    }
}

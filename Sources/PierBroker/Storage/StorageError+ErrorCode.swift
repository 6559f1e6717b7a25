import PierProtocol
import PierStorage

extension StorageError {
    /// The Kafka error a client receives when a partition log call fails.
    var errorCode: ErrorCode {
        switch self {
        case .corruptBatch: .corruptMessage
        case .offsetOutOfRange: .offsetOutOfRange
        case .writeFailed, .unreadableStore: .kafkaStorageError
        // A follower's append that does not start at its log end: Kafka answers UNKNOWN_SERVER_ERROR.
        case .offsetMismatch: .unknownServerError
        // Closed under the request (the topic was being deleted): the client refreshes metadata and retries.
        case .closed: .notLeaderOrFollower
        }
    }
}

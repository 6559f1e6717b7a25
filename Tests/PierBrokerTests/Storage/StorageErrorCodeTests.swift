@testable import PierBroker
import PierProtocol
import PierStorage
import Testing

@Suite struct StorageErrorCodeTests {
    @Test func everyStorageErrorHasTheCodeKafkaAnswers() {
        #expect(StorageError.corruptBatch("crc").errorCode == .corruptMessage)
        #expect(StorageError.offsetOutOfRange(requested: 9, logStartOffset: 0, logEndOffset: 3).errorCode == .offsetOutOfRange)
        #expect(StorageError.writeFailed("disk full").errorCode == .kafkaStorageError)
        #expect(StorageError.unreadableStore("not sqlite").errorCode == .kafkaStorageError)
        #expect(StorageError.offsetMismatch(expected: 1, got: 2).errorCode == .unknownServerError)
        #expect(StorageError.closed.errorCode == .notLeaderOrFollower)
    }
}

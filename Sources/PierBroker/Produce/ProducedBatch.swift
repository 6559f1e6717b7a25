import NIOCore
import PierProtocol
import PierRecords
import PierStorage

/// The checks Kafka applies to one partition's `records` before appending them, in Kafka's order:
/// the request rules (`ProduceRequest.validateRecords`: exactly one v2 batch, zstd only from v7),
/// then the log's (`max.message.bytes`, CRC, record structure, producer rules).
enum ProducedBatch {
    /// The batch ready to append; the raw bytes stay a slice of the request.
    static func parse(_ records: ByteBuffer?, requestVersion: Int16, maxMessageBytes: Int) throws(ProduceRejection) -> AppendableBatch {
        guard let records, records.readableBytes > 0 else {
            throw ProduceRejection(.invalidRecord, "a produce request needs one record batch per partition")
        }
        var batches = RecordBatchSequence(records).makeIterator()
        let raw: RawRecordBatch
        do throws(RecordBatchError) {
            guard let first = try batches.next() else { throw RecordBatchError.truncated }
            raw = first
        } catch .unsupportedMagic(let magic) {
            throw ProduceRejection(.invalidRecord, "record batch magic \(magic): produce v3+ carries v2 batches only")
        } catch {
            throw ProduceRejection(code(for: error), "\(error)")
        }
        guard raw.bytes.readableBytes == records.readableBytes else {
            throw ProduceRejection(.invalidRecord, "produce v\(requestVersion) allows exactly one record batch per partition")
        }
        if raw.header.attributes.compression == .zstd && requestVersion < 7 {
            throw ProduceRejection(.unsupportedCompressionType, "zstd needs produce v7 or later")
        }
        guard raw.header.totalSize <= maxMessageBytes else {
            throw ProduceRejection(.messageTooLarge, "batch of \(raw.header.totalSize) bytes exceeds max.message.bytes \(maxMessageBytes)")
        }
        do throws(RecordBatchError) {
            let decoded = try raw.decode()
            try decoded.header.validateForClientAppend()
            return AppendableBatch(raw: raw.bytes, decoded: decoded)
        } catch {
            throw ProduceRejection(code(for: error), "\(error)")
        }
    }

    private static func code(for error: RecordBatchError) -> ErrorCode {
        ErrorCode(rawValue: error.kafkaErrorCode) ?? .corruptMessage
    }
}

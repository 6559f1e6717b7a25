/// Rules Kafka's broker applies to batches coming from producers (not to replicated or
/// fetched batches, where empty or compacted batches are legal).
extension RecordBatchHeader {
    /// Throws `.invalidRecord` when a client-sent batch breaks the append rules: at least one
    /// record, lastOffsetDelta consistent with the count, no control batches from clients,
    /// a sequence number whenever a producer id is set.
    public func validateForClientAppend() throws(RecordBatchError) {
        guard recordCount > 0 else { throw .invalidRecord("batch has \(recordCount) records; a produced batch needs at least one") }
        guard lastOffsetDelta >= 0, Int64(lastOffsetDelta) + 1 == Int64(recordCount) else {
            throw .invalidRecord("lastOffsetDelta \(lastOffsetDelta) is inconsistent with \(recordCount) records")
        }
        guard !attributes.isControl else { throw .invalidRecord("clients may not write control batches") }
        if hasProducerId {
            guard baseSequence >= 0 else { throw .invalidRecord("producer id \(producerId) set but base sequence is \(baseSequence)") }
        }
    }
}

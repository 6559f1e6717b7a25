import PierStorage

extension PartitionLog {
    /// Moves the high watermark up to the log end: right for a partition whose only in-sync
    /// replica is this broker. Two producers may interleave so that the older log end is written
    /// last; since every caller checks again after its own write, the last one to finish always
    /// leaves the high watermark at the log end.
    func advanceHighWatermarkToLogEnd() throws(StorageError) {
        var end = logEndOffset
        while highWatermark < end {
            try updateHighWatermark(end)
            end = logEndOffset
        }
    }
}

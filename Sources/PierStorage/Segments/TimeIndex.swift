import NIOCore

/// The sparse time index of one segment (Kafka's `.timeindex`): entries of an 8-byte timestamp
/// and a 4-byte offset relative to the segment base, big-endian. An entry (T, O) says that no
/// record in the batches up to and including the one holding O has a timestamp above T, and that
/// O's batch holds T. Entries are added with the offset index entries when the segment's largest
/// timestamp has grown, and once more when the segment is sealed, so the last entry always gives
/// the segment's largest timestamp.
struct TimeIndex: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var timestamp: Int64
        var relativeOffset: UInt32
    }

    static let entrySize = 12
    let baseOffset: Int64
    private(set) var entries: [Entry] = []

    init(baseOffset: Int64) {
        self.baseOffset = baseOffset
    }

    /// Adds (timestamp, offset) unless it does not advance the largest timestamp indexed so far.
    mutating func appendIfNewer(timestamp: Int64, offset: Int64) {
        if let last = entries.last, last.timestamp >= timestamp { return }
        entries.append(Entry(timestamp: timestamp, relativeOffset: UInt32(offset - baseOffset)))
    }

    /// The offset from which a forward scan finds the first record with a timestamp ≥ `timestamp`:
    /// that of the last entry below `timestamp` (everything up to its batch is older), else the base.
    func scanStartOffset(for timestamp: Int64) -> Int64 {
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].timestamp < timestamp { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? baseOffset : baseOffset + Int64(entries[low - 1].relativeOffset)
    }

    /// Drops entries naming offsets at or after `offset` (the log was cut there).
    mutating func truncate(toOffset offset: Int64) {
        while let last = entries.last, baseOffset + Int64(last.relativeOffset) >= offset { entries.removeLast() }
    }

    var largest: Entry? { entries.last }

    func serialized() -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(entries.count * Self.entrySize)
        for entry in entries {
            buffer.writeInteger(entry.timestamp)
            buffer.writeInteger(entry.relativeOffset)
        }
        return buffer
    }

    /// Parses a time index file; nil when it is malformed or names offsets beyond `endOffset`.
    static func parse(_ bytes: ByteBuffer, baseOffset: Int64, endOffset: Int64) -> TimeIndex? {
        guard bytes.readableBytes % entrySize == 0 else { return nil }
        var index = TimeIndex(baseOffset: baseOffset)
        var reader = bytes
        while let timestamp = reader.readInteger(as: Int64.self), let relative = reader.readInteger(as: UInt32.self) {
            if let last = index.entries.last, last.timestamp >= timestamp { return nil }
            guard baseOffset + Int64(relative) < endOffset else { return nil }
            index.entries.append(Entry(timestamp: timestamp, relativeOffset: relative))
        }
        return index
    }
}

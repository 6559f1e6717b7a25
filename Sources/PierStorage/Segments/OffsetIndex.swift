import NIOCore

/// The sparse offset index of one segment (Kafka's `.index`): entries of a 4-byte offset relative
/// to the segment's base offset and the 4-byte byte position of a batch in the `.log`, big-endian,
/// ascending. Each entry names the last offset of a batch and where that batch starts; one entry is
/// added every `index.interval.bytes` of log.
///
/// Kept in memory (it is small: 8 bytes per 4 KiB of log) and written to its file when the
/// segment is sealed or the log is closed; the active segment's index is rebuilt on recovery.
struct OffsetIndex: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var relativeOffset: UInt32
        var position: UInt32
    }

    static let entrySize = 8
    let baseOffset: Int64
    private(set) var entries: [Entry] = []

    init(baseOffset: Int64) {
        self.baseOffset = baseOffset
    }

    mutating func append(lastOffset: Int64, position: Int64) {
        entries.append(Entry(relativeOffset: UInt32(lastOffset - baseOffset), position: UInt32(position)))
    }

    /// Byte position from which a forward scan of batch headers reaches the batch holding
    /// `offset`: that of the last entry whose offset is at most `offset` (its batch ends at or
    /// before `offset`, so the batch holding it starts at or after that position), else 0.
    func scanStartPosition(for offset: Int64) -> Int64 {
        let relative = offset - baseOffset
        guard relative >= 0 else { return 0 }
        var low = 0, high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if Int64(entries[middle].relativeOffset) <= relative { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? 0 : Int64(entries[low - 1].position)
    }

    /// Drops the entries of batches at or after `position` (the log was cut there).
    mutating func truncate(toPosition position: Int64) {
        while let last = entries.last, Int64(last.position) >= position { entries.removeLast() }
    }

    func serialized() -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(entries.count * Self.entrySize)
        for entry in entries {
            buffer.writeInteger(entry.relativeOffset)
            buffer.writeInteger(entry.position)
        }
        return buffer
    }

    /// Parses an index file; nil when it cannot be an index of a log of `logSize` bytes (wrong
    /// length, entries out of order or past the log), in which case the caller rebuilds it.
    static func parse(_ bytes: ByteBuffer, baseOffset: Int64, logSize: Int64) -> OffsetIndex? {
        guard bytes.readableBytes % entrySize == 0 else { return nil }
        var index = OffsetIndex(baseOffset: baseOffset)
        var reader = bytes
        var previous: Entry?
        while let relative = reader.readInteger(as: UInt32.self), let position = reader.readInteger(as: UInt32.self) {
            let entry = Entry(relativeOffset: relative, position: position)
            if let previous, previous.relativeOffset >= relative || previous.position >= position { return nil }
            guard Int64(position) < logSize else { return nil }
            index.entries.append(entry)
            previous = entry
        }
        return index
    }
}

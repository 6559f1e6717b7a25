import NIOCore

/// Which leader epoch started at which offset, for `OffsetForLeaderEpoch`, persisted in Kafka's
/// `leader-epoch-checkpoint` text format: version "0", the entry count, then "epoch startOffset"
/// lines, ascending in both.
struct LeaderEpochCache: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var epoch: Int32
        var startOffset: Int64
    }

    private(set) var entries: [Entry] = []

    /// Records that `epoch` starts at `startOffset`. As in Kafka, entries that would make the
    /// cache non-monotonic (an epoch as large, or a start offset as late) are dropped first; a
    /// repeat of the latest epoch at a later offset changes nothing.
    /// Returns whether the cache changed.
    @discardableResult
    mutating func assign(epoch: Int32, startOffset: Int64) -> Bool {
        if let latest = entries.last, latest.epoch == epoch, latest.startOffset <= startOffset { return false }
        entries.removeAll { $0.epoch >= epoch || $0.startOffset >= startOffset }
        entries.append(Entry(epoch: epoch, startOffset: startOffset))
        return true
    }

    /// The largest epoch ≤ `epoch` and where it ends: the start of the following epoch, or `logEndOffset`.
    func endOffset(for epoch: Int32, logEndOffset: Int64) -> (epoch: Int32, endOffset: Int64)? {
        guard let index = entries.lastIndex(where: { $0.epoch <= epoch }) else { return nil }
        let end = index + 1 < entries.count ? entries[index + 1].startOffset : logEndOffset
        return (entries[index].epoch, end)
    }

    /// The epoch in force at `offset`: the latest that started at or before it.
    func epoch(at offset: Int64) -> Int32? {
        entries.last { $0.startOffset <= offset }?.epoch
    }

    /// The log was cut at `offset`: epochs that started there or later are gone. Returns whether anything changed.
    @discardableResult
    mutating func truncateFromEnd(at offset: Int64) -> Bool {
        let before = entries.count
        entries.removeAll { $0.startOffset >= offset }
        return entries.count != before
    }

    /// The log now starts at `offset`: earlier epochs go, and the one in force there starts there.
    @discardableResult
    mutating func truncateFromStart(at offset: Int64) -> Bool {
        guard let inForce = entries.lastIndex(where: { $0.startOffset <= offset }) else { return false }
        let changed = inForce > 0 || entries[inForce].startOffset != offset
        entries.removeFirst(inForce)
        entries[0].startOffset = offset
        return changed
    }

    func encoded() -> ByteBuffer {
        var text = "0\n\(entries.count)\n"
        for entry in entries { text += "\(entry.epoch) \(entry.startOffset)\n" }
        return ByteBuffer(string: text)
    }

    static func decode(_ bytes: ByteBuffer, path: String) throws(StorageError) -> LeaderEpochCache {
        var lines = String(buffer: bytes).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.last == "" else { throw .unreadableStore("\(path) does not end with a newline") }
        lines.removeLast()
        guard lines.count >= 2, lines[0] == "0", let count = Int(lines[1]), count == lines.count - 2 else {
            throw .unreadableStore("\(path) is not a leader epoch checkpoint")
        }
        var cache = LeaderEpochCache()
        for line in lines.dropFirst(2) {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let epoch = Int32(fields[0]), let start = Int64(fields[1]), epoch >= 0, start >= 0,
                  cache.entries.last.map({ $0.epoch < epoch && $0.startOffset < start }) ?? true
            else { throw .unreadableStore("\(path): bad entry \"\(line)\"") }
            cache.entries.append(Entry(epoch: epoch, startOffset: start))
        }
        return cache
    }
}

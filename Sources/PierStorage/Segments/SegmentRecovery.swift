import NIOCore
import PierRecords

/// Opens a partition directory and brings it to a consistent state, as Kafka does after an
/// unclean shutdown: sealed segments keep their indexes (rebuilt when missing or malformed), the
/// active segment is scanned batch by batch with CRC checks and cut at the first torn or corrupt
/// batch, and checkpoints are read and clamped to what the log really holds.
struct SegmentRecovery {
    struct Recovered {
        var segments: [LogSegment]
        var logStartOffset: Int64
        var highWatermark: Int64
        var epochs: LeaderEpochCache
        var producers: ProducerStateTable
        var producerSnapshotOffset: Int64?
    }

    let directory: String
    let configuration: SegmentLogConfiguration
    var io: any SegmentFileIO { configuration.fileIO }

    func recover() throws(StorageError) -> Recovered {
        let baseOffsets = try inventory()
        let now = configuration.clock()
        let storedLogStart = try readOffsetCheckpoint(SegmentFileNames.logStartOffsetCheckpoint)
        var segments: [LogSegment] = []
        do {
            if baseOffsets.isEmpty {
                segments.append(try LogSegment.create(directory: directory, baseOffset: storedLogStart ?? 0, io: io, now: now))
            } else {
                for (index, baseOffset) in baseOffsets.enumerated() {
                    let segment = try LogSegment.open(directory: directory, baseOffset: baseOffset, io: io, now: now)
                    if index + 1 < baseOffsets.count {
                        try loadSealed(segment, endOffset: baseOffsets[index + 1])
                    } else {
                        try recoverActive(segment)
                    }
                    segments.append(segment)
                }
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw .unreadableStore("\(error)")
        }
        let logEnd = segments[segments.count - 1].nextOffset
        let logStart = min(max(storedLogStart ?? segments[0].baseOffset, segments[0].baseOffset), logEnd)
        let storedHighWatermark = try readOffsetCheckpoint(SegmentFileNames.highWatermarkCheckpoint)
        let highWatermark = min(max(storedHighWatermark ?? logStart, logStart), logEnd)

        var epochs = LeaderEpochCache()
        let epochFile = CheckpointFile(directory: directory, name: SegmentFileNames.leaderEpochCheckpoint, io: io)
        if let bytes = try epochFile.readMappingErrors() {
            epochs = try LeaderEpochCache.decode(bytes, path: epochFile.path)
        }
        // Epochs that began in a lost tail did not happen as far as this log is concerned; one that
        // starts exactly at the log end is a leader that had appended nothing yet, and stays.
        epochs.truncateFromEnd(at: logEnd + 1)

        var producers = ProducerStateTable()
        var replayFrom = segments[0].baseOffset
        var snapshotOffset: Int64?
        let snapshotFile = CheckpointFile(directory: directory, name: SegmentFileNames.producerStateSnapshot, io: io)
        if let bytes = try snapshotFile.readMappingErrors(), let restored = ProducerStateTable.restore(from: bytes),
           restored.offset <= logEnd {
            producers = restored.table
            replayFrom = restored.offset
            snapshotOffset = restored.offset
        }
        producers = try Self.replay(segments, from: replayFrom, into: producers)
        return Recovered(segments: segments, logStartOffset: logStart, highWatermark: highWatermark,
                         epochs: epochs, producers: producers, producerSnapshotOffset: snapshotOffset)
    }

    /// Base offsets of the segments present, ascending. Leftover temporary files are removed,
    /// index files without a log are removed, anything else unknown refuses the directory.
    private func inventory() throws(StorageError) -> [Int64] {
        let names: [String]
        do {
            try io.createDirectory(directory)
            names = try io.listDirectory(directory)
        } catch {
            throw .unreadableStore("\(error)")
        }
        var logs: [Int64] = []
        var indexes: [(name: String, baseOffset: Int64)] = []
        for name in names {
            if let base = SegmentFileNames.baseOffset(of: name, suffix: SegmentFileNames.logSuffix) {
                logs.append(base)
            } else if let base = SegmentFileNames.baseOffset(of: name, suffix: SegmentFileNames.offsetIndexSuffix)
                        ?? SegmentFileNames.baseOffset(of: name, suffix: SegmentFileNames.timeIndexSuffix) {
                indexes.append((name, base))
            } else if name.hasSuffix(SegmentFileNames.temporarySuffix),
                      SegmentFileNames.checkpointNames.contains(String(name.dropLast(SegmentFileNames.temporarySuffix.count))) {
                // A checkpoint write interrupted before its rename; the old checkpoint stands.
                try? io.removeFile(directory + "/" + name)
            } else if !SegmentFileNames.checkpointNames.contains(name) {
                throw .unreadableStore("\(directory)/\(name) is not a file of a segment log")
            }
        }
        let logSet = Set(logs)
        for index in indexes where !logSet.contains(index.baseOffset) {
            try? io.removeFile(directory + "/" + index.name)
        }
        return logs.sorted()
    }

    private func readOffsetCheckpoint(_ name: String) throws(StorageError) -> Int64? {
        let file = CheckpointFile(directory: directory, name: name, io: io)
        guard let bytes = try file.readMappingErrors() else { return nil }
        return try OffsetCheckpoint.decode(bytes, path: file.path)
    }

    /// A sealed segment was synced with its indexes when it was rolled; indexes that are missing
    /// or do not fit (a crash during the roll) are rebuilt from the log.
    private func loadSealed(_ segment: LogSegment, endOffset: Int64) throws(StorageError) {
        guard endOffset >= segment.baseOffset else {
            throw .unreadableStore("segment \(segment.logPath) overlaps the next one at \(endOffset)")
        }
        let offsetBytes = try CheckpointFile(directory: directory, name: SegmentFileNames.offsetIndex(segment.baseOffset), io: io).readMappingErrors()
        let timeBytes = try CheckpointFile(directory: directory, name: SegmentFileNames.timeIndex(segment.baseOffset), io: io).readMappingErrors()
        if let offsetBytes, let timeBytes,
           let offsetIndex = OffsetIndex.parse(offsetBytes, baseOffset: segment.baseOffset, logSize: max(segment.size, 1)),
           let timeIndex = TimeIndex.parse(timeBytes, baseOffset: segment.baseOffset, endOffset: endOffset),
           segment.isEmpty == timeIndex.entries.isEmpty || segment.isEmpty == false {
            segment.adopt(offsetIndex: offsetIndex, timeIndex: timeIndex, nextOffset: endOffset)
            return
        }
        try segment.rebuildIndexes(indexIntervalBytes: configuration.indexIntervalBytes)
        guard segment.nextOffset == endOffset || segment.isEmpty else {
            throw .unreadableStore("segment \(segment.logPath) ends at offset \(segment.nextOffset) but the next starts at \(endOffset)")
        }
        do { try segment.seal() } catch { throw .writeFailed("\(error)") }
    }

    /// Scans the active segment, keeping the longest prefix of intact batches with contiguous
    /// offsets, cuts the file after it and rebuilds the indexes.
    private func recoverActive(_ segment: LogSegment) throws(StorageError) {
        let fileSize = segment.size
        segment.resetAccounting()
        var scanner = SegmentBatchScanner(descriptor: segment.descriptor, path: segment.logPath, io: io, fileSize: fileSize,
                                          windowSize: 1 << 20)
        var expectedOffset = segment.baseOffset
        scan: while true {
            let next: Result<(header: RecordBatchHeader, position: Int64), SegmentBatchScanner.Stop>
            do { next = try scanner.nextHeader() } catch { throw .unreadableStore("\(error)") }
            switch next {
            case .success(let found):
                guard found.header.baseOffset == expectedOffset, found.header.lastOffsetDelta >= 0 else { break scan }
                let batch: RawRecordBatch
                do { batch = try scanner.readBatch(found.header) } catch { throw .unreadableStore("\(error)") }
                guard (try? batch.verifyCRC()) != nil else { break scan }
                segment.noteBatch(found.header, at: found.position, indexIntervalBytes: configuration.indexIntervalBytes)
                expectedOffset = found.header.nextOffset
            case .failure(.endOfFile), .failure(.truncatedBatch):
                break scan
            case .failure(.malformedHeader(let reason)):
                if scanner.position == 0, try !isAllZero(segment, from: 0, to: fileSize) {
                    // Not a torn write of ours: the file is someone else's. Refuse rather than erase it.
                    throw .unreadableStore("\(segment.logPath) does not start with a v2 record batch: \(reason)")
                }
                break scan
            }
        }
        let keep = segment.size
        if keep < fileSize {
            do {
                try io.truncate(segment.descriptor, to: keep, path: segment.logPath)
                try io.synchronize(segment.descriptor, path: segment.logPath)
            } catch {
                throw .writeFailed("\(error)")
            }
        }
    }

    /// Whether the bytes in [from, to) are all zero, as a file extended but never written is after a power loss.
    private func isAllZero(_ segment: LogSegment, from: Int64, to: Int64) throws(StorageError) -> Bool {
        var position = from
        while position < to {
            let count = Int(min(to - position, 1 << 20))
            let bytes: ByteBuffer
            do { bytes = try segment.read(at: position, count: count) } catch { throw .unreadableStore("\(error)") }
            if !bytes.readableBytesView.allSatisfy({ $0 == 0 }) { return false }
            position += Int64(count)
        }
        return true
    }

    /// Producer state after applying every batch from `offset` on to `table`.
    static func replay(_ segments: [LogSegment], from offset: Int64, into table: ProducerStateTable) throws(StorageError) -> ProducerStateTable {
        var table = table
        for segment in segments where segment.nextOffset > offset && !segment.isEmpty {
            let start: Int64
            if segment.baseOffset >= offset {
                start = 0
            } else if let located = try segment.locate(offset) {
                start = located.position
            } else {
                continue
            }
            var scanner = segment.scanner(from: start)
            while true {
                let next: Result<(header: RecordBatchHeader, position: Int64), SegmentBatchScanner.Stop>
                do { next = try scanner.nextHeader() } catch { throw .unreadableStore("\(error)") }
                guard case .success(let found) = next else { break }
                if found.header.baseOffset >= offset { table.update(with: found.header) }
                scanner.skip(found.header)
            }
        }
        return table
    }
}

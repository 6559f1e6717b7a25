import Foundation
import NIOCore
import PierRecords
import PierStorage

/// `pier dump-log`: the contents of segment-engine files, as kafka-dump-log prints them. A `.log`
/// gives a line per batch (offsets, count, producer id/epoch/sequences, leader epoch, flags,
/// position, timestamps, size, codec, CRC and whether it checks out) and with records a line per
/// record; `.index` and `.timeindex` give a line per entry.
public enum SegmentDump {
    /// Writes the dump of `path` line by line; returns false when the file ends in damage.
    public static func dump(path: String, printRecords: Bool, line: (String) throws -> Void) throws -> Bool {
        let name = (path as NSString).lastPathComponent
        if name.hasSuffix(".log") { return try dumpLog(path: path, printRecords: printRecords, line: line) }
        guard name.hasSuffix(".index") || name.hasSuffix(".timeindex") else {
            throw ToolFailure("\(path) is not a .log, .index or .timeindex file")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw ToolFailure("cannot read \(path)") }
        let stem = name.prefix { $0 != "." }
        guard let base = Int64(stem) else { throw ToolFailure("\(name) is not named after its base offset (20 digits)") }
        try line("Dumping \(path)")
        let entries = name.hasSuffix(".timeindex") ? timeIndexEntries(ByteBuffer(bytes: data), base: base) : offsetIndexEntries(ByteBuffer(bytes: data), base: base)
        for entry in entries { try line(entry) }
        let entrySize = name.hasSuffix(".timeindex") ? 12 : 8
        if data.count % entrySize != 0 {
            try line("The file ends in \(data.count % entrySize) bytes that are not a whole entry")
            return false
        }
        return true
    }

    static func dumpLog(path: String, printRecords: Bool, line: (String) throws -> Void) throws -> Bool {
        let reader: SegmentFileReader
        do { reader = try SegmentFileReader(path: path) } catch { throw ToolFailure("cannot open \(path): \(error)") }
        try line("Dumping \(path)")
        if let base = reader.baseOffset { try line("Log starting offset: \(base)") }
        while let (position, raw) = try reader.nextBatch() {
            var crcValid = true
            do { try raw.verifyCRC() } catch { crcValid = false }
            try line(describe(raw.header, position: position, crcValid: crcValid))
            guard printRecords else { continue }
            do {
                let batch = try raw.decode()
                for record in batch.records { try line(describe(record, in: batch)) }
            } catch {
                try line("| records unreadable: \(error)")
            }
        }
        switch reader.stop {
        case .truncatedBatch(let position, let remaining)?:
            try line("Found a truncated batch at position \(position): \(remaining) bytes remain")
            return false
        case .malformedHeader(let position, let reason)?:
            try line("Found a malformed batch header at position \(position): \(reason)")
            return false
        case .endOfFile?, nil:
            return true
        }
    }

    public static func describe(_ header: RecordBatchHeader, position: Int64, crcValid: Bool) -> String {
        let lastOffset = header.baseOffset + Int64(header.lastOffsetDelta)
        let lastSequence = header.baseSequence < 0 ? -1 : Int64(header.baseSequence) + Int64(header.lastOffsetDelta)
        let timestampType = header.attributes.timestampType == .logAppendTime ? "LogAppendTime" : "CreateTime"
        return "baseOffset: \(header.baseOffset) lastOffset: \(lastOffset) count: \(header.recordCount) "
            + "baseSequence: \(header.baseSequence) lastSequence: \(lastSequence) producerId: \(header.producerId) "
            + "producerEpoch: \(header.producerEpoch) partitionLeaderEpoch: \(header.partitionLeaderEpoch) "
            + "isTransactional: \(header.attributes.isTransactional) isControl: \(header.attributes.isControl) "
            + "position: \(position) baseTimestamp: \(header.baseTimestamp) \(timestampType): \(header.maxTimestamp) "
            + "size: \(header.totalSize) magic: \(header.magic) compresscodec: \(codecName(header.attributes.compression)) "
            + "crc: \(header.crc) isvalid: \(crcValid)"
    }

    public static func describe(_ record: Record, in batch: RecordBatch) -> String {
        let sequence = batch.header.baseSequence < 0 ? -1 : Int64(batch.header.baseSequence) + Int64(record.offsetDelta)
        let headerKeys = record.headers.map(\.key).joined(separator: ",")
        return "| offset: \(batch.offset(of: record)) timestamp: \(batch.timestamp(of: record)) "
            + "keySize: \(record.key?.readableBytes ?? -1) valueSize: \(record.value?.readableBytes ?? -1) "
            + "sequence: \(sequence) headerKeys: [\(headerKeys)] key: \(printable(record.key)) payload: \(printable(record.value))"
    }

    static func offsetIndexEntries(_ bytes: ByteBuffer, base: Int64) -> [String] {
        var reader = bytes
        var lines: [String] = []
        while let relative = reader.readInteger(as: UInt32.self), let position = reader.readInteger(as: UInt32.self) {
            lines.append("offset: \(base + Int64(relative)) position: \(position)")
        }
        return lines
    }

    static func timeIndexEntries(_ bytes: ByteBuffer, base: Int64) -> [String] {
        var reader = bytes
        var lines: [String] = []
        while let timestamp = reader.readInteger(as: Int64.self), let relative = reader.readInteger(as: UInt32.self) {
            lines.append("timestamp: \(timestamp) offset: \(base + Int64(relative))")
        }
        return lines
    }

    static func codecName(_ codec: CompressionCodec) -> String {
        switch codec {
        case .none: "none"
        case .gzip: "gzip"
        case .snappy: "snappy"
        case .lz4: "lz4"
        case .zstd: "zstd"
        }
    }

    /// Text when the bytes are UTF-8 without control characters, else x'hex'; `null` for none.
    static func printable(_ bytes: ByteBuffer?) -> String {
        guard let bytes else { return "null" }
        let view = Array(bytes.readableBytesView)
        if let text = String(validating: view, as: UTF8.self), !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            return text
        }
        return "x'" + view.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined() + "'"
    }
}

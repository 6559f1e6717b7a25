import Foundation

/// The lines of a file handle, read in large chunks; a final line without a newline counts, and
/// a trailing "\r" is dropped (input from Windows editors).
public struct LineReader: AsyncSequence {
    public typealias Element = Substring
    let handle: FileHandle

    public init(_ handle: FileHandle) { self.handle = handle }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle
        var pending: [Substring] = []
        var nextPending = 0
        var carry = Data()
        var finished = false

        public mutating func next() async throws -> Substring? {
            while nextPending == pending.count {
                pending = []
                nextPending = 0
                if finished { return nil }
                let chunk = handle.readData(ofLength: 1 << 20)
                if chunk.isEmpty {
                    finished = true
                    if !carry.isEmpty { pending = [Self.line(carry)] }
                    carry = Data()
                } else {
                    carry.append(chunk)
                    guard let lastNewline = carry.lastIndex(of: UInt8(ascii: "\n")) else { continue }
                    let complete = carry[carry.startIndex..<lastNewline]
                    pending = complete.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Self.line)
                    carry = Data(carry[(lastNewline + 1)...])
                }
            }
            defer { nextPending += 1 }
            return pending[nextPending]
        }

        private static func line(_ bytes: Data) -> Substring {
            var text = String(decoding: bytes, as: UTF8.self)
            if text.hasSuffix("\r") { text.removeLast() }
            return Substring(text)
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle) }
}

import PierClient
import PierPerf
import PierStorage

/// A failure of a tool, as the one line a person reads on stderr.
public struct ToolFailure: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }

    /// Runs `body`, turning client, storage and file errors into one-line `ToolFailure`s.
    public static func reporting<Result>(_ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch {
            throw describing(error)
        }
    }

    public static func describing(_ error: any Error) -> any Error {
        switch error {
        case let failure as ToolFailure: return failure
        case let failure as KafkaClientError: return ToolFailure(failure.description)
        case let failure as PerfFailure: return ToolFailure(failure.description)
        case let failure as StorageError: return ToolFailure(StorageErrorText.describe(failure))
        case let failure as FileIOError: return ToolFailure(failure.description)
        default: return error
        }
    }
}

enum StorageErrorText {
    static func describe(_ error: StorageError) -> String {
        switch error {
        case .corruptBatch(let detail): "corrupt batch: \(detail)"
        case .offsetMismatch(let expected, let got): "offset mismatch: expected \(expected), got \(got)"
        case .offsetOutOfRange(let requested, let start, let end): "offset \(requested) is outside the log (\(start)..<\(end))"
        case .writeFailed(let detail): "write failed: \(detail)"
        case .unreadableStore(let detail): "cannot read \(detail)"
        case .closed: "the partition is closed"
        }
    }
}

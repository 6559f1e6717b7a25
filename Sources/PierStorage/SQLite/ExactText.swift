import Foundation
import GRDB

/// Text that must reach SQLite and come back with every byte, NULs included (committed offset
/// metadata: Kafka returns 'a\u{0}b' as sent). GRDB binds a Swift `String` with length -1, which
/// SQLite reads only up to the first NUL, and reads text columns the same way; an empty `Data` binds
/// as NULL. So the text goes in as its UTF-8 bytes, which the statement casts to TEXT, and comes
/// back as a BLOB the statement cast it to.
enum ExactText {
    /// The value to bind where the statement says `CAST(:name AS TEXT)`.
    static func binding(_ text: String?) -> (any DatabaseValueConvertible)? {
        guard let text else { return nil }
        // Empty text has no NUL to lose, and binding it as a String keeps it '' rather than NULL.
        return text.isEmpty ? "" : Data(text.utf8)
    }

    /// The text of a column the statement read as `CAST(name AS BLOB)`; nil for NULL.
    static func read(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: return nil
        case .blob(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .string(let text): return text
        case .int64(let number): return String(number)
        case .double(let number): return String(number)
        }
    }
}

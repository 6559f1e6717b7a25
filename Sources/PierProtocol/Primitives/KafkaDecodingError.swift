/// Why bytes could not be read as a Kafka message. Never a crash: every read checks first.
public enum KafkaDecodingError: Error, Equatable, Sendable {
    /// The buffer ended before the field did.
    case truncated(field: String)
    /// A varint ran past 5 bytes (int) or 10 bytes (long).
    case invalidVarint
    /// A length below -1 (or -1 where null is not allowed).
    case negativeLength(field: String, length: Int)
    /// A length or count larger than the bytes that remain: refused before anything is allocated.
    case lengthExceedsBuffer(field: String, length: Int, remaining: Int)
    case invalidUTF8(field: String)
    /// A null where this version does not allow one.
    case unexpectedNull(field: String)
    case unsupportedVersion(apiKey: Int16, version: Int16)
    case unknownApiKey(Int16)
}

/// Why a message could not be written at a version.
public enum KafkaEncodingError: Error, Equatable, Sendable {
    /// A field that does not exist at this version holds a non-default value that the receiver must not miss.
    case fieldNotSupportedAtVersion(field: String, version: Int16)
    /// A nil in a field that is not nullable at this version.
    case nullNotAllowed(field: String, version: Int16)
    case unsupportedVersion(message: String, version: Int16)
}

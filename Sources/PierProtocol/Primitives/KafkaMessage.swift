import NIOCore

/// A Kafka message body that can be read and written at any of its valid versions.
public protocol KafkaMessage: Sendable, Equatable {
    static var messageName: String { get }
    static var validVersions: ClosedRange<Int16> { get }
    /// The first version using compact encodings and tagged fields; nil when none does.
    static var firstFlexibleVersion: Int16? { get }
    init(from buffer: inout ByteBuffer, version: Int16) throws(KafkaDecodingError)
    func encode(into buffer: inout ByteBuffer, version: Int16) throws(KafkaEncodingError)
}

public protocol KafkaRequest: KafkaMessage {
    associatedtype Response: KafkaResponse
    static var apiKey: ApiKey { get }
}

public protocol KafkaResponse: KafkaMessage {
    static var apiKey: ApiKey { get }
}

extension KafkaMessage {
    public static func isFlexible(_ version: Int16) -> Bool {
        firstFlexibleVersion.map { version >= $0 } ?? false
    }
}

/// Who a connection acts as, in Kafka's form `User:NAME`: what ACLs name and what logs and
/// `super.users` list. A connection that has not authenticated (PLAINTEXT, or SSL without a client
/// certificate) is `User:ANONYMOUS`, as in Kafka.
public struct KafkaPrincipal: Hashable, Sendable, CustomStringConvertible {
    public var type: String
    public var name: String

    public init(type: String = "User", name: String) {
        self.type = type
        self.name = name
    }

    public static let anonymous = KafkaPrincipal(name: "ANONYMOUS")

    public var description: String { "\(type):\(name)" }
}

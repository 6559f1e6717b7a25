import PierCoordination

extension BrokerRegistration {
    /// The address a client that came through `listener` is told for this broker: that listener's
    /// advertised address (nil when this broker has no such listener), or with no listener named
    /// (in-process callers) the inter-broker one.
    func clientAddress(listener: String?) -> (host: String, port: Int32)? {
        guard let listener else { return (host, port) }
        return address(listener: listener)
    }
}

extension Dictionary where Key == Int32, Value == BrokerRegistration {
    /// Each broker's address for clients of `listener`, leaving out brokers without that listener as Kafka does.
    func clientAddresses(listener: String?) -> [(id: Int32, host: String, port: Int32, rack: String?)] {
        sorted { $0.key < $1.key }.compactMap { id, registration in
            registration.clientAddress(listener: listener).map { (id, $0.host, $0.port, registration.rack) }
        }
    }
}

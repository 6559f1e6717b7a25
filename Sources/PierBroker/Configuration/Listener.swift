import Foundation

/// One Kafka listener: `NAME://HOST:PORT` in `listeners`, its security protocol from
/// `listener.security.protocol.map` (by default the name is the protocol), and the address
/// `advertised.listeners` gives clients for it.
struct Listener: Sendable, Equatable {
    var name: String
    var securityProtocol: SecurityProtocol
    var host: String
    var port: Int
    /// Where clients are told to connect for this listener; nil: the bound address.
    var advertised: AdvertisedListener?

    /// Kafka's default map: each protocol's own name is a listener name of that protocol.
    static let defaultProtocolMap = Dictionary(uniqueKeysWithValues: SecurityProtocol.allCases.map { ($0.rawValue, $0) })

    /// The listeners a `listeners` value names. `HOST:PORT` alone (the `--listen` shorthand) is one
    /// PLAINTEXT listener. Names are upper-cased as Kafka does; each must be in `protocolMap`.
    static func parseList(_ value: String, protocolMap: [String: SecurityProtocol]) throws(BrokerConfiguration.Problem) -> [Listener] {
        let entries = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !entries.isEmpty else { throw .invalidValue(name: "listeners", value: value, expected: Self.expectedForm) }
        var listeners: [Listener] = []
        for entry in entries {
            let (name, host, port) = try address(entry, setting: "listeners", whole: value)
            let listenerName = name ?? SecurityProtocol.plaintext.rawValue
            guard let securityProtocol = protocolMap[listenerName] else {
                throw .invalidValue(name: "listeners", value: value,
                                    expected: "listener names in listener.security.protocol.map (\(listenerName) is not)")
            }
            guard !listeners.contains(where: { $0.name == listenerName }) else {
                throw .invalidValue(name: "listeners", value: value, expected: "each listener name once (\(listenerName) repeats)")
            }
            if port != 0, listeners.contains(where: { $0.port == port && $0.host == host }) {
                throw .invalidValue(name: "listeners", value: value, expected: "each HOST:PORT once (\(host):\(port) repeats)")
            }
            listeners.append(Listener(name: listenerName, securityProtocol: securityProtocol, host: host, port: port))
        }
        return listeners
    }

    /// `NAME:PROTOCOL,...`; Kafka's defaults stay unless a name is mapped again.
    static func parseProtocolMap(_ value: String) throws(BrokerConfiguration.Problem) -> [String: SecurityProtocol] {
        var map = defaultProtocolMap
        for entry in value.split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, let securityProtocol = SecurityProtocol(rawValue: parts[1].uppercased()) else {
                throw .invalidValue(name: "listener.security.protocol.map", value: value,
                                    expected: "NAME:PROTOCOL pairs, PROTOCOL one of \(SecurityProtocol.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            map[parts[0].uppercased()] = securityProtocol
        }
        return map
    }

    /// Applies `advertised.listeners` to `listeners`: `NAME://HOST:PORT` entries by name, or one
    /// bare `HOST:PORT` for the first listener.
    static func advertise(_ value: String, on listeners: inout [Listener]) throws(BrokerConfiguration.Problem) {
        for entry in value.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let (name, host, port) = try address(entry, setting: "advertised.listeners", whole: value)
            guard port > 0, host != "0.0.0.0", host != "::" else {
                throw .invalidValue(name: "advertised.listeners", value: value, expected: "a reachable HOST:PORT (no wildcard host, no port 0)")
            }
            let index = name.map { name in listeners.firstIndex { $0.name == name } } ?? listeners.indices.first
            guard let index else {
                throw .invalidValue(name: "advertised.listeners", value: value, expected: "names of listeners in listeners (\(name ?? "") is not)")
            }
            listeners[index].advertised = AdvertisedListener(host: host, port: port)
        }
    }

    static let expectedForm = "HOST:PORT or NAME://HOST:PORT[,NAME://HOST:PORT...]"

    /// `NAME://HOST:PORT` or `HOST:PORT`: the upper-cased name (nil when absent), host and port.
    private static func address(_ entry: String, setting: String, whole: String) throws(BrokerConfiguration.Problem)
        -> (name: String?, host: String, port: Int) {
        var name: String?
        var address = Substring(entry)
        if let separator = entry.range(of: "://") {
            name = entry[..<separator.lowerBound].uppercased()
            address = entry[separator.upperBound...]
        }
        guard name?.isEmpty != true, let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
              (0...65_535).contains(port)
        else {
            throw .invalidValue(name: setting, value: whole, expected: expectedForm)
        }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (name, host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// The address registered for clients of this listener.
    func advertisedAddress(boundPort: Int) -> AdvertisedListener {
        advertised ?? AdvertisedListener(host: host, port: boundPort)
    }
}

/// Where clients reach this broker when that differs from where it listens.
struct AdvertisedListener: Sendable, Equatable {
    var host: String
    var port: Int
}

import Foundation

/// One configuration setting a topic or the broker understands: its Kafka name, type, default,
/// validation and the broker setting that supplies a topic's default (its synonym).
struct ConfigDefinition: Sendable {
    /// Kafka's DescribeConfigs config types.
    enum ValueType: Int8, Sendable {
        case boolean = 1, string = 2, int = 3, short = 4, long = 5, double = 6, list = 7, `class` = 8, password = 9
    }

    let name: String
    let type: ValueType
    let defaultValue: String
    /// The broker setting whose value is a topic's default (e.g. `log.retention.ms` for `retention.ms`).
    let brokerSynonym: String?
    let documentation: String
    let validate: @Sendable (String) -> String?

    init(
        _ name: String, _ type: ValueType, default defaultValue: String, brokerSynonym: String? = nil,
        documentation: String, validate: @escaping @Sendable (String) -> String? = { _ in nil }
    ) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.brokerSynonym = brokerSynonym
        self.documentation = documentation
        self.validate = validate
    }

    /// Nil when `value` is acceptable, otherwise why not (the message clients show for INVALID_CONFIG).
    func problem(with value: String) -> String? {
        switch type {
        case .int, .short:
            guard Int32(value) != nil else { return "\(name) must be a 32-bit integer, not '\(value)'" }
        case .long:
            guard Int64(value) != nil else { return "\(name) must be a 64-bit integer, not '\(value)'" }
        case .boolean:
            guard ["true", "false"].contains(value.lowercased()) else { return "\(name) must be true or false, not '\(value)'" }
        case .double:
            guard Double(value) != nil else { return "\(name) must be a number, not '\(value)'" }
        case .string, .list, .class, .password:
            break
        }
        return validate(value)
    }
}

func atLeast(_ minimum: Int64, _ name: String) -> @Sendable (String) -> String? {
    { value in (Int64(value) ?? minimum) < minimum ? "\(name) must be at least \(minimum), not \(value)" : nil }
}

func integerWithin(_ range: ClosedRange<Int64>, _ name: String) -> @Sendable (String) -> String? {
    { value in
        guard let number = Int64(value), !range.contains(number) else { return nil }
        return "\(name) must be in [\(range.lowerBound), \(range.upperBound)], not \(value)"
    }
}

func numberWithin(_ range: ClosedRange<Double>, _ name: String) -> @Sendable (String) -> String? {
    { value in
        guard let number = Double(value), !range.contains(number) else { return nil }
        return "\(name) must be in [\(range.lowerBound), \(range.upperBound)], not \(value)"
    }
}

/// Kafka's throttled-replica lists: empty, the literal '*', or `partition:broker` pairs.
func throttledReplicas(_ name: String) -> @Sendable (String) -> String? {
    { value in
        let items = ConfigList.items(of: value)
        if items == ["*"] { return nil }
        let wellFormed = items.allSatisfy { item in
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            return parts.count == 2 && parts.allSatisfy { Int32($0.trimmingCharacters(in: .whitespaces)) != nil }
        }
        return wellFormed ? nil
            : "\(name) must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],..."
    }
}

func oneOf(_ allowed: [String], _ name: String) -> @Sendable (String) -> String? {
    { value in allowed.contains(value) ? nil : "\(name) must be one of \(allowed.joined(separator: ", ")), not '\(value)'" }
}

/// For list settings: a comma-separated list of at least one allowed item.
func listOf(_ allowed: [String], _ name: String) -> @Sendable (String) -> String? {
    { value in
        let items = ConfigList.items(of: value)
        guard !items.isEmpty else { return "\(name) must list at least one of \(allowed.joined(separator: ", "))" }
        guard let refused = items.first(where: { !allowed.contains($0) }) else { return nil }
        return "\(name) must be one of \(allowed.joined(separator: ", ")), not '\(refused)'"
    }
}

/// How list settings (`cleanup.policy`) are written: comma-separated, blanks around items ignored.
enum ConfigList {
    static func items(of value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func value(of items: [String]) -> String {
        items.joined(separator: ",")
    }
}

import Foundation
import PierSecurity

/// A SASL listener's settings, by Kafka's names; `listener.name.<name>.sasl.enabled.mechanisms`
/// wins over `sasl.enabled.mechanisms` for that listener.
struct SASLSettings: Sendable, Equatable {
    /// `sasl.enabled.mechanisms`: what a client may name in SaslHandshake. Kafka's default (GSSAPI)
    /// is not something Pier serves; its default is every mechanism it does.
    var enabledMechanisms: [SASLMechanism] = SASLMechanism.allCases

    static func forListener(_ listener: String, in settings: [String: String]) throws(BrokerConfiguration.Problem) -> SASLSettings {
        let scoped = "listener.name.\(listener.lowercased()).sasl.enabled.mechanisms"
        let name = settings[scoped] != nil ? scoped : "sasl.enabled.mechanisms"
        guard let value = settings[name] else { return SASLSettings() }
        var mechanisms: [SASLMechanism] = []
        for entry in value.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            guard let mechanism = SASLMechanism(rawValue: entry.uppercased()) else {
                throw .invalidValue(name: name, value: value, expected: SASLMechanism.allCases.map(\.rawValue).joined(separator: ", "))
            }
            if !mechanisms.contains(mechanism) { mechanisms.append(mechanism) }
        }
        guard !mechanisms.isEmpty else {
            throw .invalidValue(name: name, value: value, expected: "at least one of " + SASLMechanism.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return SASLSettings(enabledMechanisms: mechanisms)
    }
}

@testable import PierBroker
import PierProtocol
import Testing

@Suite struct IncrementalConfigChangeTests {
    private let defaults: (String) -> String? = { TopicConfiguration(overrides: [:], brokerDefaults: [:])[$0] }

    private func apply(_ changes: [IncrementalConfigChange], to overrides: [String: String]) throws(TopicProblem) -> [String: String] {
        try IncrementalConfigChange.apply(changes, to: overrides, effectiveWithoutOverride: defaults)
    }

    @Test func setAndDeleteTouchOnlyTheirSetting() throws {
        let result = try apply(
            [.init(name: "retention.ms", operation: .set, value: "1000"), .init(name: "segment.bytes", operation: .delete, value: nil)],
            to: ["segment.bytes": "1048576", "max.message.bytes": "2000000"]
        )
        #expect(result == ["retention.ms": "1000", "max.message.bytes": "2000000"])
    }

    @Test func deletingWhatIsNotOverriddenChangesNothing() throws {
        #expect(try apply([.init(name: "retention.ms", operation: .delete, value: nil)], to: ["segment.ms": "5"]) == ["segment.ms": "5"])
    }

    @Test func appendStartsFromTheEffectiveValueAndSkipsItemsAlreadyThere() throws {
        let result = try apply([.init(name: "cleanup.policy", operation: .append, value: "delete,compact,compact")], to: [:])
        #expect(result == ["cleanup.policy": "delete,compact"])
    }

    @Test func subtractRemovesItemsFromTheOverride() throws {
        let result = try apply([.init(name: "cleanup.policy", operation: .subtract, value: " compact ")], to: ["cleanup.policy": "delete, compact"])
        #expect(result == ["cleanup.policy": "delete"])
        let emptied = try apply([.init(name: "cleanup.policy", operation: .subtract, value: "delete")], to: [:])
        #expect(emptied == ["cleanup.policy": ""])
        #expect(throws: TopicConfiguration.Problem.invalid("cleanup.policy must list at least one of delete")) {
            try TopicConfiguration.validate(overrides: emptied)
        }
    }

    @Test func appendAndSubtractAreForListSettingsOnly() {
        #expect(throws: TopicProblem(.invalidConfig, "APPEND applies to list settings only; 'retention.ms' is not one")) {
            try apply([.init(name: "retention.ms", operation: .append, value: "5")], to: [:])
        }
        #expect(throws: TopicProblem(.invalidConfig, "unknown config 'flux.capacitor'")) {
            try apply([.init(name: "flux.capacitor", operation: .subtract, value: "on")], to: [:])
        }
    }

    @Test func aSettingNamedTwiceOrSetWithoutValueIsAnInvalidRequest() {
        #expect(throws: TopicProblem(.invalidRequest, "config 'retention.ms' appears more than once in one request")) {
            try apply([.init(name: "retention.ms", operation: .set, value: "1"), .init(name: "retention.ms", operation: .delete, value: nil)], to: [:])
        }
        #expect(throws: TopicProblem(.invalidRequest, "SET of 'retention.ms' needs a value")) {
            try apply([.init(name: "retention.ms", operation: .set, value: nil)], to: [:])
        }
    }

    @Test func listSettingsRefuseItemsPierDoesNotImplement() {
        #expect(throws: TopicConfiguration.Problem.invalid("cleanup.policy must be one of delete, not 'compact'")) {
            try TopicConfiguration.validate(overrides: ["cleanup.policy": "delete,compact"])
        }
    }
}

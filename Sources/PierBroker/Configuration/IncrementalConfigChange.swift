/// IncrementalAlterConfigs on a topic's overrides: each operation edits one setting and leaves the
/// others as they are (unlike AlterConfigs, which replaces them all).
struct IncrementalConfigChange: Sendable, Equatable {
    /// Numbered as on the wire.
    enum Operation: Int8, Sendable {
        case set = 0
        case delete = 1
        /// List settings only: adds items not already there.
        case append = 2
        /// List settings only: removes the given items.
        case subtract = 3
    }

    var name: String
    var operation: Operation
    var value: String?

    /// The overrides after `changes`. `effectiveWithoutOverride` gives a setting's value when the
    /// topic does not override it, which APPEND and SUBTRACT start from. The result is not yet
    /// validated: the caller checks it as a whole, as AlterConfigs does.
    /// `listSettingNamed` finds the definition APPEND and SUBTRACT check is a list: a topic setting,
    /// or for a broker resource the topic setting a broker setting supplies.
    static func apply(
        _ changes: [IncrementalConfigChange], to overrides: [String: String],
        listSettingNamed: (String) -> ConfigDefinition? = { TopicConfigCatalog.byName[$0] },
        effectiveWithoutOverride: (String) -> String?
    ) throws(TopicProblem) -> [String: String] {
        var seen: Set<String> = []
        for change in changes where !seen.insert(change.name).inserted {
            throw TopicProblem(.invalidRequest, "config '\(change.name)' appears more than once in one request")
        }
        var result = overrides
        for change in changes {
            switch change.operation {
            case .set:
                guard let value = change.value else { throw TopicProblem(.invalidRequest, "SET of '\(change.name)' needs a value") }
                result[change.name] = value
            case .delete:
                result[change.name] = nil
            case .append, .subtract:
                guard let definition = listSettingNamed(change.name) else {
                    throw TopicProblem(.invalidConfig, "unknown config '\(change.name)'")
                }
                guard definition.type == .list else {
                    let verb = change.operation == .append ? "APPEND" : "SUBTRACT"
                    throw TopicProblem(.invalidConfig, "\(verb) applies to list settings only; '\(change.name)' is not one")
                }
                let current = ConfigList.items(of: result[change.name] ?? effectiveWithoutOverride(change.name) ?? "")
                let given = ConfigList.items(of: change.value ?? "")
                var updated = current
                if change.operation == .append {
                    for item in given where !updated.contains(item) { updated.append(item) }
                } else {
                    updated.removeAll { given.contains($0) }
                }
                result[change.name] = ConfigList.value(of: updated)
            }
        }
        return result
    }
}

@testable import PierBroker
import Testing

/// docs/configuration.md lists every setting the broker knows, with the default the code has.
@Suite struct ConfigurationDocTests {
    static let document = RepositoryFile.text("docs/configuration.md")

    /// The table row that starts with the setting's name, split into cells.
    static func row(_ name: String) -> [String]? {
        document.split(separator: "\n").first { $0.hasPrefix("| `\(name)` |") }
            .map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    static func documentedDefault(_ defaultValue: String?) -> String {
        guard let defaultValue, !defaultValue.isEmpty else { return "unset" }
        return "`\(defaultValue)`"
    }

    @Test func everyBrokerSettingIsDocumentedWithItsDefault() throws {
        #expect(!Self.document.isEmpty, "docs/configuration.md not found")
        for setting in BrokerConfigCatalog.settings {
            let row = try #require(Self.row(setting.definition.name), "\(setting.definition.name) is not in docs/configuration.md")
            #expect(row[1] == Self.documentedDefault(setting.defaultValue), "\(setting.definition.name)")
        }
    }

    @Test func everyTopicSettingIsDocumentedWithItsDefaultAndSynonym() throws {
        for definition in TopicConfigCatalog.definitions {
            let row = try #require(Self.row(definition.name), "\(definition.name) is not in docs/configuration.md")
            #expect(row[1] == Self.documentedDefault(definition.defaultValue), "\(definition.name)")
        }
        let topicTable = try #require(Self.document.range(of: "## Topic settings"))
        let withoutEffect = try #require(Self.document.range(of: "### Accepted, stored and described, without effect"))
        for definition in TopicConfigCatalog.definitions {
            let line = Self.document[topicTable.lowerBound...].split(separator: "\n").first { $0.hasPrefix("| `\(definition.name)` |") }
            let synonym = definition.brokerSynonym.map { "| `\($0)` |" } ?? "| – |"
            #expect(line?.contains(synonym) == true, "\(definition.name)")
        }
        // The settings Pier does not act on are listed as such, and only those.
        let listedWithoutEffect = Self.document[withoutEffect.lowerBound...].split(separator: "\n").prefix { !$0.hasPrefix("#") || $0.hasPrefix("###") }
            .compactMap { line in line.hasPrefix("| `") ? line.split(separator: "`")[1] : nil }.map(String.init)
        #expect(listedWithoutEffect == TopicConfigCatalog.storedOnly.map(\.name))
    }
}

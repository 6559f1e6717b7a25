@testable import PierBroker
import PierProtocol
import Testing

/// docs/compatibility.md lists exactly the APIs and version ranges ApiVersions advertises.
@Suite struct CompatibilityDocTests {
    static let document = RepositoryFile.text("docs/compatibility.md")

    @Test func everyAdvertisedApiHasItsRowWithItsKeyAndVersions() throws {
        #expect(!Self.document.isEmpty, "docs/compatibility.md not found")
        let rows = Self.document.split(separator: "\n").filter { $0.hasPrefix("| ") }
            .map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }
        for (api, versions) in SupportedApis.versions {
            let row = try #require(rows.first { $0.first == api.name }, "\(api.name) is not in docs/compatibility.md")
            let range = versions.lowerBound == versions.upperBound ? "\(versions.lowerBound)" : "\(versions.lowerBound)–\(versions.upperBound)"
            #expect(row[1] == String(api.rawValue), "\(api.name)")
            #expect(row[2] == range, "\(api.name)")
        }
        // And nothing is listed as served that is not advertised.
        let listed = rows.filter { $0.count > 3 && Int($0[1]) != nil }.map { $0[0] }
        #expect(Set(listed) == Set(SupportedApis.versions.keys.map(\.name)))
    }
}

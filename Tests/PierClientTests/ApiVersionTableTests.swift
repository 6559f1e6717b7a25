import PierProtocol
import Testing
@testable import PierClient

@Suite struct ApiVersionTableTests {
    @Test func choosesTheHighestVersionBothSidesSpeak() throws {
        let table = ApiVersionTable(brokerVersions: [.produce: 0...7, .fetch: 0...17, .metadata: 0...12])
        #expect(try table.version(for: .produce) == 7)
        #expect(try table.version(for: .fetch) == ApiVersionTable.clientVersions[.fetch]!.upperBound)
        #expect(try table.version(for: .metadata) == 12)
    }

    @Test func anApiTheBrokerLacksOrOnlySpeaksOutsideOurRangeIsUnsupported() {
        let table = ApiVersionTable(brokerVersions: [.produce: 0...2, .metadata: 0...12])
        #expect(throws: KafkaClientError.unsupportedApi(.produce)) { try table.version(for: .produce) }
        #expect(throws: KafkaClientError.unsupportedApi(.fetch)) { try table.version(for: .fetch) }
    }

    @Test func readsTheBrokersAnswerSkippingUnknownKeysAndEmptyRanges() {
        let response = ApiVersionsResponse(apiKeys: [
            .init(apiKey: ApiKey.produce.rawValue, minVersion: 3, maxVersion: 9),
            .init(apiKey: 999, minVersion: 0, maxVersion: 1),
            .init(apiKey: ApiKey.fetch.rawValue, minVersion: 5, maxVersion: 4),
        ])
        #expect(ApiVersionTable(response).brokerVersions == [.produce: 3...9])
    }
}

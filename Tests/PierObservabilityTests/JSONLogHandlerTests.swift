import Foundation
import Logging
import PierObservability
import Synchronization
import Testing

@Suite struct JSONLogHandlerTests {
    /// Collects what the handler writes.
    final class Lines: Sendable {
        private let stored = Mutex<[String]>([])
        var all: [String] { stored.withLock { $0 } }
        func append(_ line: String) { stored.withLock { $0.append(line) } }
    }

    private func logger(writingTo lines: Lines, level: Logger.Level = .info) -> Logger {
        var logger = Logger(label: "pier.test") { label in
            JSONLogHandler(label: label, write: { lines.append($0) }, now: { Date(timeIntervalSince1970: 1_764_000_000.25) })
        }
        logger.logLevel = level
        return logger
    }

    @Test func writesOneObjectPerLineWithTimeLevelLabelMessageAndMetadata() throws {
        let lines = Lines()
        var logger = logger(writingTo: lines)
        logger[metadataKey: "node"] = "1"
        logger.notice("broker started", metadata: ["listener": "127.0.0.1:9092", "partitions": .array(["a-0", "a-1"])])
        let line = try #require(lines.all.first)
        #expect(lines.all.count == 1)
        #expect(line.hasSuffix("}\n"))
        #expect(line.dropLast().contains("\n") == false)
        #expect(line == #"{"time":"2025-11-24T16:00:00.250Z","level":"notice","label":"pier.test","message":"broker started","metadata":{"listener":"127.0.0.1:9092","node":"1","partitions":["a-0","a-1"]}}"# + "\n")
        // What a log shipper does with it: parse it as JSON.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "notice")
        #expect((object["metadata"] as? [String: Any])?["node"] as? String == "1")
    }

    @Test func escapesQuotesBackslashesAndControlCharacters() throws {
        let lines = Lines()
        logger(writingTo: lines).error("bad \"frame\"\n\tat \\ end \u{01}", metadata: ["nested": ["key \"k\"": "v\u{7}"]])
        let line = try #require(lines.all.first)
        #expect(line.contains(#""message":"bad \"frame\"\n\tat \\ end \u0001""#))
        #expect(line.contains(#""nested":{"key \"k\"":"v\u0007"}"#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["message"] as? String == "bad \"frame\"\n\tat \\ end \u{01}")
    }

    @Test func respectsTheLogLevel() {
        let lines = Lines()
        let logger = logger(writingTo: lines, level: .warning)
        logger.info("dropped")
        logger.debug("dropped")
        logger.warning("kept")
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.contains(#""message":"kept""#) == true)
    }

    @Test func metadataProviderAndExplicitMetadataAreMergedExplicitWinning() throws {
        let lines = Lines()
        let provider = Logger.MetadataProvider { ["request": "7", "api": "Fetch"] }
        let logger = Logger(label: "p") { JSONLogHandler(label: $0, metadataProvider: provider, write: { lines.append($0) }) }
        logger.info("handled", metadata: ["api": "Produce"])
        let line = try #require(lines.all.first)
        #expect(line.contains(#""metadata":{"api":"Produce","request":"7"}"#))
    }
}

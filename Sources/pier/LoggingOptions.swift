import ArgumentParser
import Logging

/// `--log-level`: swift-log's levels by their names.
struct LogLevelOption: ExpressibleByArgument {
    let level: Logger.Level

    static let info = LogLevelOption(level: .info)

    private init(level: Logger.Level) {
        self.level = level
    }

    init?(argument: String) {
        guard let level = Logger.Level(rawValue: argument.lowercased()) else { return nil }
        self.level = level
    }

    static var allValueStrings: [String] { Logger.Level.allCases.map(\.rawValue) }
    var defaultValueDescription: String { level.rawValue }
}

/// `--log-format`: human-readable lines or one JSON object per line.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

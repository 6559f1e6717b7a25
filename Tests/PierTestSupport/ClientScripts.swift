import Foundation

/// Scripts under `Tests/Clients/` that drive a broker with real Kafka clients (Python ones run
/// with `python3 SCRIPT ARGS...`).
public enum ClientScripts {
    public static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Clients")

    public static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// Runs `Tests/Clients/<name>` with python3 and returns its standard output.
    public static func runPython(_ name: String, _ arguments: [String], input: String? = nil, timeoutSeconds: Double = 120) throws -> String {
        try ExternalTool.run("python3", arguments: [path(name)] + arguments, input: input, timeoutSeconds: timeoutSeconds)
    }
}

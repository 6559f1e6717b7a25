import ArgumentParser
import PierTools

/// The broker a subcommand talks to.
struct BrokerOptions: ParsableArguments {
    @Option(name: .customLong("bootstrap-server"), help: "A broker to start from, as HOST:PORT.")
    var bootstrapServer = "127.0.0.1:9092"

    /// Runs `body` with a session to the broker; every failure becomes one line (CLIFailure).
    func run<Result>(_ body: (BrokerSession) async throws -> Result) async throws -> Result {
        try await reportingFailures { try await BrokerSession.with(bootstrapServer, body) }
    }
}

/// Tool failures become one line on stderr and a non-zero exit.
func reportingFailures<Result>(_ body: () async throws -> Result) async throws -> Result {
    do {
        return try await ToolFailure.reporting(body)
    } catch let failure as ToolFailure {
        throw CLIFailure(failure.description)
    }
}

/// The synchronous form, for offline commands.
func reportingFailures<Result>(_ body: () throws -> Result) throws -> Result {
    do {
        return try body()
    } catch {
        if let failure = ToolFailure.describing(error) as? ToolFailure { throw CLIFailure(failure.description) }
        throw error
    }
}

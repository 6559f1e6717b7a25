import Foundation
import PierTestSupport

/// A client script from `Tests/Clients/` running beside the test (a producer the test keeps going
/// while it kills brokers), started with python3. Its output goes to files in a control directory
/// the script and the test share; `finish` waits (bounded) for its exit and returns its output.
/// A script still running when this is released is killed.
final class BackgroundScript {
    let name: String
    /// A fresh directory for the files the script and the test exchange (`stop`, reports).
    let controlDirectory: URL
    private let process = Process()
    private let outputFile: URL
    private let errorFile: URL

    init(_ name: String, _ arguments: (URL) -> [String]) throws {
        guard let python = ExternalTool.path(of: "python3") else {
            throw ClusterFailure("python3 is not installed (scripts/install-test-deps.sh installs it)")
        }
        self.name = name
        controlDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("pier-script-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: controlDirectory, withIntermediateDirectories: true)
        outputFile = controlDirectory.appendingPathComponent("stdout")
        errorFile = controlDirectory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-u", ClientScripts.path(name)] + arguments(controlDirectory)
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var isRunning: Bool { process.isRunning }
    var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

    /// A file in the control directory, as text ("" while it does not exist).
    func read(_ file: String) -> String {
        (try? String(contentsOf: controlDirectory.appendingPathComponent(file), encoding: .utf8)) ?? ""
    }

    /// Creates `CONTROL/stop`, the scripts' signal to wind down.
    func requestStop() {
        _ = FileManager.default.createFile(atPath: controlDirectory.appendingPathComponent("stop").path, contents: nil)
    }

    /// Asks the script to stop, waits up to `timeoutSeconds` for it to exit, and returns its standard
    /// output; throws with its standard error when it failed or had to be killed.
    func finish(timeoutSeconds: Double = 120) throws -> String {
        requestStop()
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning, Date() < deadline { usleep(50_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw ClusterFailure("\(name) did not stop within \(timeoutSeconds) s: \(errors)")
        }
        guard process.terminationStatus == 0 else {
            throw ClusterFailure("\(name) exited \(process.terminationStatus): \(errors)")
        }
        return output
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: controlDirectory)
    }
}

import Foundation

/// The `pier` executable built beside the test bundle, run as a user would.
enum PierBinary {
    static var url: URL {
        let testBundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return testBundle.deletingLastPathComponent().appendingPathComponent("pier")
    }

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Standard output as bytes, for binary output.
        var stdoutData = Data()
    }

    /// Runs `pier` with `arguments`; `input`, when given, is its standard input (written from
    /// another thread, so a large input never blocks against unread output).
    static func run(_ arguments: [String], input: Data? = nil) throws -> Outcome {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let stdin = input.map { _ in Pipe() }
        if let stdin { process.standardInput = stdin }
        try process.run()
        if let stdin, let input {
            let writer = stdin.fileHandleForWriting
            Thread.detachNewThread {
                writer.write(input)
                try? writer.close()
            }
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self),
                       stdoutData: out)
    }
}

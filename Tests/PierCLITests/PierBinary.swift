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
    /// another thread, so a large input never blocks against unread output). With `timeoutSeconds`
    /// the process is killed (SIGKILL) when it runs longer, and the outcome is what it printed by then.
    static func run(_ arguments: [String], input: Data? = nil, timeoutSeconds: Double? = nil) throws -> Outcome {
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
        let timer = timeoutSeconds.map { seconds in
            let item = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: item)
            return item
        }
        let err = Locked(Data())
        let errorsRead = DispatchSemaphore(value: 0)
        let errorReader = stderr.fileHandleForReading
        Thread.detachNewThread {
            err.value = errorReader.readDataToEndOfFile()
            errorsRead.signal()
        }
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        errorsRead.wait()
        process.waitUntilExit()
        timer?.cancel()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err.value, as: UTF8.self),
                       stdoutData: out)
    }
}

/// A value shared with another thread, behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

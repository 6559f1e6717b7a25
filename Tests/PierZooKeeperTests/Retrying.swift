import Foundation
import PierCoordination

/// Runs `body` until it stops failing with connection loss, at most `timeoutSeconds`: what a caller
/// of a networked store does while the client looks for another server. Only for calls that are
/// safe to repeat (reads, or writes whose first try cannot have taken effect unnoticed).
func retryingConnectionLoss<T>(timeoutSeconds: Double = 20, _ body: () throws(ZnodeError) -> T) async throws(ZnodeError) -> T {
    let deadline = Date().addingTimeInterval(timeoutSeconds)
    while true {
        do {
            return try body()
        } catch .connectionLoss(let reason) {
            guard Date() < deadline else { throw .connectionLoss(reason) }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// Reads through `read` until `holds` is true of what it returns, at most `timeoutSeconds`, and
/// returns the last value read. ZooKeeper orders each client's own view only: a second client on
/// another server may read before that server has applied what the first client's server
/// committed (short of a `sync`), so a test that crosses clients waits for it to catch up.
func readingUntil<T>(timeoutSeconds: Double = 10, _ read: () throws -> T, holds: (T) -> Bool) async throws -> T {
    let deadline = Date().addingTimeInterval(timeoutSeconds)
    while true {
        let value = try read()
        if holds(value) || Date() >= deadline { return value }
        try? await Task.sleep(for: .milliseconds(50))
    }
}

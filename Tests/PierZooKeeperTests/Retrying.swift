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

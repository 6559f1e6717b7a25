import Synchronization

/// What `/ready` answers: true only while the Kafka listener is bound, coordination answers and
/// the broker is not stopping. A load balancer stops sending clients the moment a drain begins.
final class Readiness: Sendable {
    private struct State {
        var listening = false
        var coordinationAnswers = true
        var stopping = false
    }

    private let state = Mutex(State())

    var isReady: Bool {
        state.withLock { $0.listening && $0.coordinationAnswers && !$0.stopping }
    }

    func listenerBound() { state.withLock { $0.listening = true } }
    func coordinationAnswered(_ answered: Bool) { state.withLock { $0.coordinationAnswers = answered } }
    func stopping() { state.withLock { $0.stopping = true } }
}

/// Calls `report` every `interval` with the time since its previous call, until cancelled.
enum ProgressReporter {
    static func start(every interval: Duration, clock: ContinuousClock,
                      report: @escaping @Sendable (Duration) -> Void) -> Task<Void, Never> {
        Task {
            var windowStart = clock.now
            while true {
                do { try await Task.sleep(until: windowStart + interval, clock: clock) } catch { return }
                let now = clock.now
                report(now - windowStart)
                windowStart = now
            }
        }
    }
}

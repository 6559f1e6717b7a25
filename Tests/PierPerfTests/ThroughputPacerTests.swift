import Testing
@testable import PierPerf

@Suite struct ThroughputPacerTests {
    @Test func recordsFallDueEvenlyOverEachSecond() {
        let pacer = ThroughputPacer(recordsPerSecond: 10_000)
        #expect(pacer.recordsDue(after: .zero) == 1)
        #expect(pacer.recordsDue(after: .milliseconds(5)) == 51)
        #expect(pacer.recordsDue(after: .seconds(2)) == 20_001)
        #expect(pacer.recordsDue(after: .milliseconds(-1)) == 0)
        #expect(pacer.dueTime(ofRecord: 0) == .zero)
        #expect(pacer.dueTime(ofRecord: 50) == .milliseconds(5))
        #expect(pacer.dueTime(ofRecord: 25_000) == .milliseconds(2_500))
    }

    /// dueTime and recordsDue agree: a record is due exactly from its due time on.
    @Test func dueTimesAndCountsAgree() {
        let pacer = ThroughputPacer(recordsPerSecond: 7)
        for index in 0..<30 {
            let due = pacer.dueTime(ofRecord: index)
            #expect(pacer.recordsDue(after: due) >= index + 1)
            #expect(pacer.recordsDue(after: due - .nanoseconds(1)) <= index)
        }
    }

    @Test func withoutACapEverythingIsDueAtOnce() {
        let pacer = ThroughputPacer(recordsPerSecond: nil)
        #expect(pacer.recordsDue(after: .zero) == .max)
        #expect(pacer.dueTime(ofRecord: 1_000_000) == .zero)
    }
}

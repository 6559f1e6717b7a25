@testable import PierBroker
import Testing

@Suite struct AppendNotifierTests {
    @Test func appendWakesAWaitingFetchBeforeItsTimeout() async {
        let notifier = AppendNotifier<String>()
        let seen = ["orders-0": notifier.generation(of: "orders-0")]
        // Only an append can make the wait return true; a timeout returns false.
        async let woke = notifier.waitForAppend(after: seen, timeout: .seconds(120))
        while notifier.waitingCount == 0 { await Task.yield() }  // the wait has begun (parked or about to)
        notifier.appended(to: "orders-0")
        #expect(await woke)
        #expect(notifier.waitingCount == 0)
    }

    @Test func timeoutReturnsFalseAndLeavesNoWaiter() async {
        let notifier = AppendNotifier<String>()
        let woke = await notifier.waitForAppend(after: ["a": 0], timeout: .milliseconds(20))
        #expect(!woke)
        #expect(notifier.waitingCount == 0)
    }

    @Test func anAppendBetweenReadAndWaitIsNotMissed() async {
        let notifier = AppendNotifier<String>()
        let seen = ["a": notifier.generation(of: "a")]
        notifier.appended(to: "a")  // lands after the fetch read the log, before it parks
        #expect(await notifier.waitForAppend(after: seen, timeout: .seconds(10)))
    }

    @Test func appendsElsewhereDoNotWake() async {
        let notifier = AppendNotifier<String>()
        async let woke = notifier.waitForAppend(after: ["a": 0], timeout: .milliseconds(300))
        notifier.appended(to: "b")
        #expect(await !woke)
        #expect(notifier.waitingCount == 0)
    }

    @Test func zeroWaitNeverParks() async {
        let notifier = AppendNotifier<String>()
        #expect(await !notifier.waitForAppend(after: ["a": 0], timeout: .zero))
        #expect(notifier.waitingCount == 0)
    }
}

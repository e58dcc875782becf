import Synchronization
import Testing
@testable import SagaMessaging

/// The sweeper's loop: a sweep at start, one per tick, one soon after a wake, and an end on
/// cancellation.
@Suite struct DeadlineSweeperTests {
    final class Sweeps: Sendable {
        let count = Atomic(0)
        var value: Int { count.load(ordering: .relaxed) }
    }

    func waitFor(_ sweeps: Sweeps, atLeast target: Int, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while sweeps.value < target, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        return sweeps.value >= target
    }

    @Test func aWakeSweepsAtOnceWithoutWaitingForTheTick() async throws {
        let sweeper = DeadlineSweeper(interval: .seconds(3600))
        let sweeps = Sweeps()
        let task = Task { await sweeper.run { sweeps.count.add(1, ordering: .relaxed) } }
        #expect(await waitFor(sweeps, atLeast: 1, within: .seconds(60)), "no sweep at start")
        try await Task.sleep(for: .milliseconds(50))
        #expect(sweeps.value == 1)
        sweeper.wake()
        #expect(await waitFor(sweeps, atLeast: 2, within: .seconds(60)), "a wake did not sweep")
        task.cancel()
        await task.value
    }

    @Test func theTickSweepsAndCancellationEndsTheLoop() async throws {
        let sweeper = DeadlineSweeper(interval: .milliseconds(20))
        let sweeps = Sweeps()
        let task = Task { await sweeper.run { sweeps.count.add(1, ordering: .relaxed) } }
        // A generous limit: under a full test run the cooperative pool may be busy for seconds.
        #expect(await waitFor(sweeps, atLeast: 4, within: .seconds(60)), "the tick did not sweep")
        task.cancel()
        await task.value
        let after = sweeps.value
        try await Task.sleep(for: .milliseconds(100))
        #expect(sweeps.value == after, "swept after cancellation")
    }
}

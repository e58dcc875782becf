import Foundation
import Testing

/// The trait the system suites rely on: blocking waits in a test do not hold up the rest.
@Suite(.blockingCalls) struct BlockingCallsTraitTests {
    /// Three blocking waits per core, and a short sleep beside them still wakes on time (on the
    /// cooperative pool it waits until a blocked thread comes free).
    @Test func blockedWaitsLeaveASleeperOnTime() async throws {
        let blockers = 3 * ProcessInfo.processInfo.activeProcessorCount
        let slept = await withTaskGroup(of: Void.self) { group in
            for _ in 0..<blockers {
                group.addTask { usleep(2_000_000) }
            }
            let start = ContinuousClock.now
            try? await Task.sleep(for: .milliseconds(100))
            let slept = ContinuousClock.now - start
            await group.waitForAll()
            return slept
        }
        #expect(slept < .milliseconds(1500), "a 100 ms sleep took \(slept) beside \(blockers) blocked waits")
    }
}

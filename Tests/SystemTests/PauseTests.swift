import Foundation
import Testing

/// A paused consumer group stays paused across a restart — a stop, or a crash — until an
/// operator resumes it; then the work waiting for it settles.
@Suite(.blockingCalls) struct PauseTests {
    @Test func aPauseOutlivesRestartsUntilResumed() async throws {
        let daemon = DaemonProcess()
        defer { daemon.cleanUp() }
        try await daemon.start()
        #expect(try daemon.call("POST", "/v1/groups/checkout/pause").status == 200)
        let waiting = try daemon.placeOrder(amount: "2.00")
        #expect(try await daemon.stop() == 0)

        let again = DaemonProcess(reuse: daemon)
        defer { again.cleanUp() }
        try await again.start()
        #expect(again.logLines(containing: "consumer group stays paused").count == 1, "\(again.log)")
        let second = try again.placeOrder(amount: "3.00")
        // Orders placed before and after the restart both wait for checkout.
        try await Task.sleep(for: .milliseconds(500))
        for id in [waiting, second] {
            #expect(try again.call("GET", "/v1/orders/\(id)").json["status"] as? String == "created")
        }
        again.signal(SIGKILL)
        _ = try await again.waitForExit()

        let afterCrash = DaemonProcess(reuse: daemon)
        defer { afterCrash.cleanUp() }
        try await afterCrash.start()
        #expect(try afterCrash.call("GET", "/v1/orders/\(waiting)").json["status"] as? String == "created")
        #expect(try afterCrash.call("POST", "/v1/groups/checkout/resume").status == 200)
        for id in [waiting, second] {
            #expect(try afterCrash.settledOrder(id)["status"] as? String == "finished")
        }
        #expect(try await afterCrash.stop() == 0)
        // Resumed for good: the next start pauses nothing.
        let last = DaemonProcess(reuse: daemon)
        defer { last.cleanUp() }
        try await last.start()
        #expect(last.logLines(containing: "consumer group stays paused").isEmpty)
        #expect(try last.settledOrder(try last.placeOrder(amount: "1.00"))["status"] as? String == "finished")
        #expect(try await last.stop() == 0)
    }
}

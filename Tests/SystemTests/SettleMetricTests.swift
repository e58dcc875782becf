import Foundation
import Testing

/// Every order that settles is counted once in `sagad_order_settle_seconds`, under the status it
/// settled in, with its age from creation: what `sagactl top` shows as settle times.
@Suite(.blockingCalls) struct SettleMetricTests {
    /// The samples of `/metrics` whose line starts with `prefix`, by their whole name and labels.
    func samples(_ daemon: DaemonProcess, _ prefix: String) throws -> [String: Double] {
        let text = try daemon.call("GET", "/metrics").text
        var found: [String: Double] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { found[String(parts[0])] = value }
        }
        return found
    }

    @Test func settledOrdersAreCountedOnceWithTheirAge() async throws {
        let daemon = DaemonProcess(settings: ["fulfillment.work_ms": "300"])
        defer { daemon.cleanUp() }
        try await daemon.start()
        _ = try daemon.call("POST", "/v1/accounts", ["id": "poor", "balance": "0.50"])
        let finished = try (0..<3).map { _ in try daemon.placeOrder(amount: "1.00") }
        let failed = try daemon.placeOrder(amount: "1.00", account: "poor")
        for id in finished { #expect(try daemon.settledOrder(id)["status"] as? String == "finished") }
        #expect(try daemon.settledOrder(failed)["status"] as? String == "failed")
        let settle = try samples(daemon, "sagad_order_settle_seconds")
        #expect(settle[#"sagad_order_settle_seconds_count{status="finished"}"#] == 3, "\(settle)")
        #expect(settle[#"sagad_order_settle_seconds_count{status="failed"}"#] == 1, "\(settle)")
        // Fulfillment works 300 ms per order: a finished order is at least that old when it settles.
        let sum = try #require(settle[#"sagad_order_settle_seconds_sum{status="finished"}"#])
        #expect(sum >= 0.9 && sum < 60, "\(settle)")
        #expect(try await daemon.stop() == 0)
    }
}

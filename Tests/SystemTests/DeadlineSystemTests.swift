import Foundation
import Testing

/// The two deadlines on the real daemon: stored, so they hold across `kill -9`; reloadable, so
/// a SIGHUP that shortens one ends the orders already waiting; and every order they end is
/// compensated with money exact (the crash tests' invariants).
@Suite(.serialized, .blockingCalls) struct DeadlineSystemTests {
    typealias ConfigFile = ReloadTests.ConfigFile

    /// The value of the sample `name{labels}` in `/metrics`, if it is there.
    func metric(_ daemon: DaemonProcess, _ sample: String) throws -> Double? {
        let text = try daemon.call("GET", "/metrics").text
        return text.split(separator: "\n").first { $0.hasPrefix(sample + " ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    func statuses(_ daemon: DaemonProcess, _ ids: [String]) throws -> [String] {
        try ids.map { try daemon.call("GET", "/v1/orders/\($0)").json["status"] as? String ?? "?" }
    }

    /// Orders stay processing (a work of ten minutes) through a `kill -9`; a SIGHUP that lowers
    /// `fulfillment.timeout` from 30m to 1s then fails them all, and each is refunded.
    @Test func aShortenedFulfillmentTimeoutEndsOrdersThatOutlivedAKill() async throws {
        let file = try ConfigFile("fulfillment:\n  timeout: 30m\n")
        let settings = ["fulfillment.work_ms": "600000"]
        let first = DaemonProcess(settings: settings, arguments: ["--config", file.path])
        defer { first.cleanUp() }
        try await first.start()
        let opening = cents(try first.balance())
        var placed: [String: Int64] = [:]
        for amount in ["1.25", "2.50", "3.75", "4.00"] { placed[try first.placeOrder(amount: amount)] = cents(amount) }
        let ids = Array(placed.keys)
        try await waitUntil("every order processing", timeout: .seconds(20), every: .milliseconds(50)) {
            try statuses(first, ids).allSatisfy { $0 == "processing" }
        }
        first.signal(SIGKILL)
        _ = try await first.waitForExit()

        let second = DaemonProcess(settings: settings, arguments: ["--config", file.path], reuse: first)
        defer { second.cleanUp() }
        try await second.start()
        try await Task.sleep(for: .seconds(1.5))
        #expect(try statuses(second, ids).allSatisfy { $0 == "processing" }, "ended before its 30m deadline")
        #expect(try metric(second, #"sagad_orders_overdue{step="fulfillment"}"#) == 0)

        try file.write("fulfillment:\n  timeout: 1s\n")
        let reloaded = try await second.reload()
        #expect(reloaded.contains("fulfillment.timeout: 30m → 1s"), "\(reloaded)")
        for id in ids {
            let order = try second.settledOrder(id, timeout: 20)
            #expect(order["status"] as? String == "refunded", "\(order)")
            let history = order["history"] as? [[String: Any]] ?? []
            #expect(history.contains { $0["reason"] as? String == "fulfillment timed out after 1s" }, "\(history)")
        }
        #expect(try metric(second, #"sagad_order_timeouts_total{step="fulfillment"}"#) == Double(ids.count))
        #expect(try metric(second, #"sagad_order_timeouts_total{step="payment"}"#) == 0)
        #expect(try metric(second, #"sagad_orders_overdue{step="fulfillment"}"#) == 0)
        #expect(cents(try second.balance()) == opening)
        try await CrashTests().checkInvariants(second, acknowledged: placed, openingCents: opening)
    }

    /// Checkout charges while the order group is paused, so the orders stay created; the daemon
    /// is killed before their 2 s payment deadline and restarted after it: the sweep cancels
    /// them, checkout refunds the payments, and the payments heard late change nothing.
    @Test func aPaymentDeadlinePassedWhileTheDaemonWasDeadCancelsAndRefunds() async throws {
        let settings = ["order.payment_timeout": "2s"]
        let first = DaemonProcess(settings: settings)
        defer { first.cleanUp() }
        try await first.start()
        let opening = cents(try first.balance())
        #expect(try first.call("POST", "/v1/groups/order/pause").status == 200)
        var placed: [String: Int64] = [:]
        for amount in ["5.00", "6.10", "7.01"] { placed[try first.placeOrder(amount: amount)] = cents(amount) }
        let total = placed.values.reduce(0, +)
        try await waitUntil("checkout charged every order", timeout: .seconds(10), every: .milliseconds(20)) {
            cents(try first.balance()) == opening - total
        }
        first.signal(SIGKILL)
        _ = try await first.waitForExit()
        try await Task.sleep(for: .seconds(2.5))

        let second = DaemonProcess(settings: settings, reuse: first)
        defer { second.cleanUp() }
        try await second.start()
        let ids = Array(placed.keys)
        try await waitUntil("every order canceled", timeout: .seconds(15), every: .milliseconds(50)) {
            try statuses(second, ids).allSatisfy { $0 == "canceled" }
        }
        try await waitUntil("every payment refunded", timeout: .seconds(15), every: .milliseconds(50)) {
            cents(try second.balance()) == opening
        }
        #expect(try metric(second, #"sagad_order_timeouts_total{step="payment"}"#) == Double(ids.count))
        #expect(try second.call("POST", "/v1/groups/order/resume").status == 200)
        for id in ids {
            let order = try second.settledOrder(id, timeout: 20)
            #expect(order["status"] as? String == "canceled", "\(order)")
            let reasons = (order["history"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String }
            #expect(reasons.contains("payment not taken within 2s; canceled"), "\(reasons)")
        }
        // A fresh order, paid at once, is not touched by the 2 s deadline.
        let fresh = try second.placeOrder(amount: "1.00")
        #expect(try second.settledOrder(fresh)["status"] as? String == "finished")
        placed[fresh] = 100
        try await CrashTests().checkInvariants(second, acknowledged: placed, openingCents: opening)
    }

    @Test func aBadTimeoutExits78NamingTheKey() async throws {
        let run = try await runSagad(["--check-config"], environment: ["SAGAD_ORDER_PAYMENT_TIMEOUT": "600"])
        #expect(run.status == 78)
        #expect(run.stderr.contains("order.payment_timeout") && run.stderr.contains("SAGAD_ORDER_PAYMENT_TIMEOUT"), "\(run.stderr)")
        let fine = try await runSagad(["--check-config"], environment: ["SAGAD_FULFILLMENT_TIMEOUT": "off"])
        #expect(fine.status == 0, "\(fine.stderr)")
        let printed = checkedConfiguration(fine.stdout)
        #expect(printed["order.payment_timeout"] == "15m" && printed["fulfillment.timeout"] == "off", "\(fine.stdout)")
    }
}

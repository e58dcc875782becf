import Foundation
import Testing

/// SIGHUP and SIGINT on the real daemon: a reload applies the order limits at once, reports
/// keys that need a restart while keeping their running values, survives a bad file, and a
/// second Ctrl-C during the graceful stop ends the process at once.
@Suite(.serialized, .blockingCalls) struct ReloadTests {
    /// A configuration file in the temporary directory, rewritten by the tests.
    final class ConfigFile {
        let path = NSTemporaryDirectory() + "sagad-reload-\(UUID().uuidString.prefix(6)).yaml"
        init(_ text: String) throws { try write(text) }
        func write(_ text: String) throws { try text.write(toFile: path, atomically: true, encoding: .utf8) }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// The file the tests start from and edit: `max_in_flight` and a non-reloadable account.
    static func limits(maxInFlight: String, account: String = "default", extra: String = "") -> String {
        "order:\n  max_in_flight: \(maxInFlight)\n\(extra)checkout:\n  default_account: \(account)\n"
    }

    /// A daemon whose fulfillment work takes a minute, so placed orders stay in flight.
    static func slowDaemon(_ file: ConfigFile) -> DaemonProcess {
        DaemonProcess(settings: ["fulfillment.work_ms": "60000"], arguments: ["--config", file.path])
    }

    @Test func reloadAppliesTheOrderLimitAndKeepsKeysThatNeedARestart() async throws {
        let file = try ConfigFile(Self.limits(maxInFlight: "100"))
        let daemon = Self.slowDaemon(file)
        defer { daemon.cleanUp() }
        try await daemon.start()
        for _ in 0..<3 { _ = try daemon.placeOrder(amount: "1.00") }

        try file.write(Self.limits(maxInFlight: "3", account: "elsewhere"))
        let reloaded = try await daemon.reload()
        #expect(reloaded.contains("configuration reloaded") && reloaded.contains("order.max_in_flight: 100 → 3"), "\(reloaded)")
        #expect(!reloaded.contains("checkout.default_account"), "a restart-only key must not be listed as applied: \(reloaded)")
        let warnings = daemon.logLines(containing: "changed key needs a restart")
        #expect(warnings.count == 1, "\(daemon.log)")
        #expect(warnings.first?.contains("checkout.default_account") == true, "\(warnings)")
        #expect(warnings.first?.contains("running=default") == true && warnings.first?.contains("configured=elsewhere") == true,
                "\(warnings)")

        // Three in flight at a limit of three: the next order is refused.
        let refused = try daemon.call("POST", "/v1/orders", ["amount": "1.00"])
        #expect(refused.status == 503, "\(refused.text)")
        #expect(refused.header("Retry-After") != nil)

        // Raising the limit lets orders in again, still on the running default account.
        try file.write(Self.limits(maxInFlight: "4", account: "elsewhere"))
        let raised = try await daemon.reload()
        #expect(raised.contains("order.max_in_flight: 3 → 4"), "\(raised)")
        let placed = try daemon.call("POST", "/v1/orders", ["amount": "1.00"])
        #expect(placed.status == 201, "\(placed.text)")
        #expect(placed.json["account_id"] as? String == "default")
        #expect(try daemon.call("POST", "/v1/orders", ["amount": "1.00"]).status == 503)
        #expect(try daemon.call("GET", "/readyz").status == 200)
        #expect(try await daemon.stop() == 0)
    }

    @Test func aBadFileOnReloadKeepsTheWholeRunningConfiguration() async throws {
        let file = try ConfigFile(Self.limits(maxInFlight: "2"))
        let daemon = Self.slowDaemon(file)
        defer { daemon.cleanUp() }
        try await daemon.start()
        for _ in 0..<2 { _ = try daemon.placeOrder(amount: "1.00") }
        #expect(try daemon.call("POST", "/v1/orders", ["amount": "1.00"]).status == 503)

        // A misspelt key next to a good raise: nothing of the file is applied.
        try file.write(Self.limits(maxInFlight: "100", extra: "  max_in_fligth: 5\n"))
        let typo = try await daemon.reload()
        #expect(typo.contains("reload failed; keeping the running configuration"), "\(typo)")
        #expect(typo.contains("order.max_in_fligth") && typo.contains(file.path), "\(typo)")
        #expect(try daemon.call("GET", "/readyz").status == 200)
        #expect(try daemon.call("POST", "/v1/orders", ["amount": "1.00"]).status == 503)

        // An unusable value is refused the same way, naming the key.
        try file.write(Self.limits(maxInFlight: "0"))
        let zero = try await daemon.reload()
        #expect(zero.contains("reload failed") && zero.contains("order.max_in_flight"), "\(zero)")
        #expect(try daemon.call("POST", "/v1/orders", ["amount": "1.00"]).status == 503)
        #expect(daemon.logLines(containing: "configuration reloaded").isEmpty)

        // Once the file is fixed, the next reload applies it.
        try file.write(Self.limits(maxInFlight: "100"))
        let fixed = try await daemon.reload()
        #expect(fixed.contains("order.max_in_flight: 2 → 100"), "\(fixed)")
        #expect(try daemon.call("POST", "/v1/orders", ["amount": "1.00"]).status == 201)
        #expect(try await daemon.stop() == 0)
    }

    @Test func aSecondInterruptStopsAtOnceWhileTheFirstDrains() async throws {
        let daemon = DaemonProcess(settings: ["fulfillment.work_ms": "60000"])
        defer { daemon.cleanUp() }
        try await daemon.start()
        let order = try daemon.placeOrder(amount: "1.00")
        // A client waiting for the order to settle: the graceful stop lets that request finish
        // (up to its 25 s timeout) before it goes on, so the first SIGINT drains for a while.
        let socket = daemon.socket
        try await eventually("earlier clients' connections closed") { try daemon.acceptedConnections() == 0 ? true : nil }
        Thread.detachNewThread {
            _ = try? UnixHTTPClient.request(socket: socket, "GET", "/v1/orders/\(order)?wait=terminal&timeout=25", timeout: 40)
        }
        try await eventually("sagad to accept the waiting client") { try daemon.acceptedConnections() == 1 ? true : nil }
        // A later request answered: the waiting one, accepted before it, has been read too.
        #expect(try daemon.call("GET", "/healthz").status == 200)

        daemon.signal(SIGINT)
        try await daemon.waitForLogLine(containing: "shutting down: draining in-flight work")
        try #require(daemon.process?.isRunning == true, "the first SIGINT must not have stopped sagad yet:\n\(daemon.log)")
        let secondSent = ContinuousClock.now
        daemon.signal(SIGINT)
        let status = try await daemon.waitForExit(timeout: .seconds(5))
        #expect(status == 1)
        #expect(ContinuousClock.now - secondSent < .seconds(5))
        #expect(daemon.logLines(containing: "second stop signal: exiting now without draining").count == 1, "\(daemon.log)")
        #expect(daemon.logLines(containing: "sagad stopped").isEmpty, "\(daemon.log)")

        // Nothing acknowledged was lost: the next start recovers and settles the order.
        let next = DaemonProcess(reuse: daemon)
        defer { next.cleanUp() }
        try await next.start()
        #expect(next.log.contains("previous shutdown was not clean"), "\(next.log)")
        #expect(try next.settledOrder(order)["status"] as? String == "finished")
        #expect(try await next.stop() == 0)
    }
}

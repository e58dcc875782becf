import Foundation
import Testing

@Suite(.serialized, .blockingCalls) struct CrashTests {
    static let settings = ["fulfillment.failure_rate": "0.3", "fulfillment.work_ms": "15"]

    /// After the last restart: every acknowledged order exists with its amount and settles; every
    /// order the daemon took (acknowledged or not — a reply can be lost in a crash) settles; the
    /// payment journal shows no order charged or refunded twice and matches each final status;
    /// and the default account lost exactly the amounts of the finished orders.
    func checkInvariants(_ daemon: DaemonProcess, acknowledged: [String: Int64], openingCents: Int64) async throws {
        // Wait, with one deadline for all, until no order has work left; then name the stuck ones.
        var all = try daemon.allOrders()
        let deadline = ContinuousClock.now + .seconds(60)
        while all.contains(where: { $0["settled"] as? Bool != true }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            all = try daemon.allOrders()
        }
        let stuck = all.filter { $0["settled"] as? Bool != true }
        #expect(stuck.count == 0, "\(stuck.count) of \(all.count) orders stuck, e.g. \(stuck.prefix(5).map { "\($0["id"] ?? "?") \($0["status"] ?? "?")" })")

        var orders: [String: (status: String, cents: Int64)] = [:]
        for order in all { orders[order["id"] as! String] = (order["status"] as? String ?? "?", cents(order["amount"] as! String)) }
        let missing = acknowledged.keys.filter { orders[$0] == nil }
        #expect(missing.count == 0, "\(missing.count) acknowledged orders are missing, e.g. \(missing.prefix(5))")
        let wrongAmounts = acknowledged.filter { id, amount in orders[id].map { $0.cents != amount } ?? false }
        #expect(wrongAmounts.count == 0, "orders with another amount than placed: \(wrongAmounts.prefix(5))")
        let finishedCents = orders.values.filter { $0.status == "finished" }.reduce(0) { $0 + $1.cents }
        // Settled means the refunds are recorded too, so the balance must match now, not eventually.
        #expect(cents(try daemon.balance()) + finishedCents == openingCents, "money not conserved")
        #expect(try await daemon.stop() == 0)
        try PaymentJournal(stateDirectory: daemon.stateDirectory).expectConsistent(with: orders)
    }

    /// How many orders the daemon still has work for (not yet past the saga's last step).
    func unsettledOrders(_ daemon: DaemonProcess) throws -> Int {
        try ["created", "processing"].reduce(0) { count, status in
            count + (try daemon.call("GET", "/v1/orders?limit=5&status=\(status)").json["orders"] as? [[String: Any]] ?? []).count
        }
    }

    /// `kill -9` six times at random moments under load, with orders in flight each time, and
    /// three more times while the restarted daemon recovers from the last kill (at least one of
    /// them before the log finished recovering); then every invariant of DESIGN.md holds.
    @Test func repeatedKillsUnderLoadAndDuringRecoveryLoseNothing() async throws {
        let seed = SeededRandom.seed(from: "SAGAD_CRASH_SEED")
        var random = SeededRandom(seed: seed)
        let context = Comment(rawValue: "seed \(seed); repeat with SAGAD_CRASH_SEED=\(seed)")
        let first = DaemonProcess(settings: Self.settings)
        var daemons = [first]
        defer { daemons.forEach { $0.cleanUp() } }
        try await first.start()
        let opening = cents(try first.balance())
        let load = LoadGenerator(socket: first.socket)
        load.start(threads: 6)
        defer { load.stop() }

        var daemon = first
        var recoveryKills = 0
        var killsBeforeLogRecovered = 0
        for cycle in 0..<6 {
            // Let the load place a few more orders, then run on for a random stretch.
            let target = load.orders.count + 10
            try await waitUntil("10 more acknowledged orders (cycle \(cycle), \(context))", timeout: .seconds(60)) {
                load.orders.count >= target
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...600, using: &random)))
            // A fast daemon can momentarily have every order settled: kill once work is in flight.
            try await waitUntil("an unsettled order to kill under (cycle \(cycle), \(context))", timeout: .seconds(20),
                                every: .milliseconds(1)) { try unsettledOrders(daemon) > 0 }
            daemon.signal(SIGKILL)
            _ = try await daemon.waitForExit()

            if cycle % 2 == 0 {
                // Kill again while the new process is recovering from the last kill.
                let recovering = DaemonProcess(settings: Self.settings, reuse: first)
                daemons.append(recovering)
                let process = try recovering.launch()
                // The first time at once (sagad is still starting: its log cannot have
                // recovered yet, however fast the machine); later once recovery has begun, and
                // a random moment into it.
                if recoveryKills > 0 {
                    try await waitUntil("recovery to start (\(context))", every: .milliseconds(1)) {
                        recovering.log.contains("previous shutdown was not clean") || !process.isRunning
                    }
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0...30, using: &random)))
                }
                recovering.signal(SIGKILL)
                #expect(try await recovering.waitForExit() == SIGKILL, "the recovering daemon ended on its own; \(context)")
                recoveryKills += 1
                if !recovering.log.contains("log recovered") { killsBeforeLogRecovered += 1 }
            }
            daemon = DaemonProcess(settings: Self.settings, reuse: first)
            daemons.append(daemon)
            try await daemon.start()
            #expect(daemon.log.contains("previous shutdown was not clean"), "\(context)")
        }
        load.stop()
        try await waitUntil("the load's last requests to end") { load.requestsInFlight == 0 }
        #expect(recoveryKills == 3)
        #expect(killsBeforeLogRecovered > 0, "no kill landed while the log was recovering; \(context)")
        let acknowledged = load.orders
        print("crash test: \(context); \(acknowledged.count) acknowledged orders, 6 kills under load, "
              + "\(recoveryKills) during start-up (\(killsBeforeLogRecovered) before the log had recovered)")
        #expect(acknowledged.count >= 40, "the load placed too few orders to mean anything; \(context)")
        try await checkInvariants(daemon, acknowledged: acknowledged, openingCents: opening)
    }

    /// SIGTERM under load drains: exit 0, a clean restart, nothing lost.
    @Test func gracefulStopUnderLoadLosesNothing() async throws {
        let daemon = DaemonProcess(settings: Self.settings)
        defer { daemon.cleanUp() }
        try await daemon.start()
        let opening = cents(try daemon.balance())
        let load = LoadGenerator(socket: daemon.socket)
        load.start(threads: 6)
        defer { load.stop() }
        try await waitUntil("30 acknowledged orders") { load.orders.count >= 30 }
        #expect(try unsettledOrders(daemon) > 0, "nothing was in flight at the stop")
        #expect(try await daemon.stop() == 0)
        load.stop()
        try await waitUntil("the load's last requests to end") { load.requestsInFlight == 0 }

        let again = DaemonProcess(settings: Self.settings, reuse: daemon)
        defer { again.cleanUp() }
        try await again.start()
        #expect(!again.log.contains("previous shutdown was not clean"))
        try await checkInvariants(again, acknowledged: load.orders, openingCents: opening)
    }
}

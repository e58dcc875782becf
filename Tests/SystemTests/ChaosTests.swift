import Foundation
import GRDB
import Testing

/// Chaos: the real daemon under mixed load (funded and lean accounts, cancels, deposits,
/// fulfillment failures) is killed with SIGKILL at random moments — plain, right after a
/// SIGHUP reload, and again while it recovers — for `SAGAD_CHAOS_CYCLES` cycles (20 in
/// `make test`, `make chaos` runs 200). Once the load stops and the saga is quiet, every
/// invariant of DESIGN.md is checked from the stopped daemon's databases, and one line
/// reports `chaos: C cycles, N orders, K kills, V violations`.
@Suite(.serialized, .blockingCalls) struct ChaosTests {
    static let settings = ["fulfillment.failure_rate": "0.2", "fulfillment.work_ms": "10"]

    @Test func randomKillsUnderMixedLoadBreakNoInvariant() async throws {
        let environment = ProcessInfo.processInfo.environment
        let cycles = Int(environment["SAGAD_CHAOS_CYCLES"] ?? "") ?? 20
        let seed = SeededRandom.seed(from: "SAGAD_CHAOS_SEED")
        var random = SeededRandom(seed: seed)
        let first = DaemonProcess(settings: Self.settings)
        var daemons = [first]
        defer { daemons.forEach { $0.cleanUp() } }
        try await first.start()
        #expect(try first.call("POST", "/v1/accounts", ["id": MixedLoad.leanAccount, "balance": "20.00"]).status == 201)
        let socket = first.socket
        let load = MixedLoad { socket }
        load.start()
        defer { load.stop() }

        var daemon = first
        var kills = 0
        for cycle in 0..<cycles {
            try await Task.sleep(for: .milliseconds(Int.random(in: 30...400, using: &random)))
            switch Int.random(in: 0..<10, using: &random) {
            case 0...1:  // in the middle of a reload
                daemon.signal(SIGHUP)
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...20, using: &random)))
            default:
                break
            }
            daemon.signal(SIGKILL)
            _ = try await daemon.waitForExit()
            kills += 1
            if Int.random(in: 0..<10, using: &random) < 2 {  // and again while it recovers
                let recovering = DaemonProcess(settings: Self.settings, reuse: first)
                daemons.append(recovering)
                try recovering.launch()
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...60, using: &random)))
                recovering.signal(SIGKILL)
                _ = try await recovering.waitForExit()
                kills += 1
            }
            daemon = DaemonProcess(settings: Self.settings, reuse: first)
            daemons.append(daemon)
            do {
                try await daemon.start(timeout: .seconds(60))
            } catch {
                Issue.record("cycle \(cycle): sagad did not come back (seed \(seed)): \(error)")
                return
            }
        }
        load.stop()
        try await Task.sleep(for: .milliseconds(300))  // the load's last requests time out or land

        // Quiet: wait (one deadline) until no order has work left, then stop and read the files.
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline,
              (try? daemon.allOrders().contains { $0["settled"] as? Bool != true }) != false {
            try await Task.sleep(for: .milliseconds(250))
        }
        #expect(try await daemon.stop() == 0)
        let violations = try Self.violations(in: daemon.stateDirectory, acknowledged: load.orders)
        let orders = load.orders.count
        print("chaos: \(cycles) cycles, \(orders) orders, \(kills) kills, \(violations.count) violations "
              + "(\(load.canceled) cancels; seed \(seed), repeat with SAGAD_CHAOS_SEED=\(seed))")
        #expect(violations.count == 0, "first of them:\n\(violations.prefix(10).joined(separator: "\n"))")
        #expect(orders >= cycles, "the load placed too few orders to mean anything")
    }

    /// Every invariant, from the databases of a stopped daemon: each acknowledged order exists
    /// with its amount and is settled; money moved exactly as each order's final status says,
    /// never twice; balances are deposits less charges plus refunds; no outbox row is left.
    static func violations(in stateDirectory: String, acknowledged: [String: Int64]) throws -> [String] {
        var configuration = Configuration()
        configuration.readonly = true
        let data = stateDirectory + "/data/"
        var orders: [String: (status: String, cents: Int64)] = [:]
        var found: [String] = []
        try DatabaseQueue(path: data + "orders.sqlite", configuration: configuration).read { db in
            for row in try Row.fetchAll(db, sql: "SELECT id, status, amount_cents FROM orders") {
                orders[row["id"]] = (row["status"], row["amount_cents"])
            }
        }
        for (id, cents) in acknowledged {
            guard let order = orders[id] else { found.append("acknowledged order \(id) is missing"); continue }
            if order.cents != cents { found.append("order \(id) has \(order.cents) cents, \(cents) were placed") }
        }
        found += try PaymentJournal(stateDirectory: stateDirectory).violations(with: orders)
        for file in ["orders", "checkout", "fulfillment"] {
            let left = try DatabaseQueue(path: data + file + ".sqlite", configuration: configuration).read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") ?? 0
            }
            if left > 0 { found.append("\(file).sqlite still holds \(left) outbox rows") }
        }
        return found
    }
}

import Foundation
import Synchronization
import Testing

/// Places orders from several threads until stopped; remembers every acknowledged order.
final class LoadGenerator: Sendable {
    private let acknowledged = Mutex<[String: Int64]>([:])
    private let running = Mutex(true)
    private let socket: String

    init(socket: String) { self.socket = socket }

    var orders: [String: Int64] { acknowledged.withLock { $0 } }

    /// Runs `threads` placing loops in the background.
    func start(threads: Int) {
        for worker in 0..<threads {
            Thread.detachNewThread { [self] in
                var n = 0
                while running.withLock({ $0 }) {
                    n += 1
                    let amount = "\(1 + (worker * 7 + n) % 50).\(String(format: "%02d", n % 100))"
                    let body = try? JSONSerialization.data(withJSONObject: ["amount": amount])
                    guard let reply = try? UnixHTTPClient.request(socket: socket, "POST", "/v1/orders", body: body, timeout: 5) else {
                        usleep(20_000)
                        continue
                    }
                    if reply.status == 201, let id = reply.json["id"] as? String {
                        acknowledged.withLock { $0[id] = cents(amount) }
                    }
                }
            }
        }
    }

    func stop() { running.withLock { $0 = false } }
}

@Suite(.serialized) struct CrashTests {
    /// After a restart every acknowledged order exists and settles, and money is conserved:
    /// the opening balance equals the balance plus the amounts of finished orders.
    func checkInvariants(_ daemon: DaemonProcess, acknowledged: [String: Int64], openingCents: Int64) throws {
        var finishedCents: Int64 = 0
        for (id, amount) in acknowledged {
            let order = try daemon.settledOrder(id, timeout: 60)
            #expect(order["id"] as? String == id, "acknowledged order \(id) is missing")
            #expect(order["settled"] as? Bool == true, "order \(id) stuck in \(order["status"] ?? "?")")
            #expect(order["amount"].map { cents($0 as! String) } == amount)
            if order["status"] as? String == "finished" { finishedCents += amount }
        }
        // Orders the daemon accepted but whose reply was lost in the crash also count.
        var unacknowledged: Int64 = 0
        var after: String? = nil
        while true {
            let page = try daemon.call("GET", "/v1/orders?limit=1000" + (after.map { "&after=\($0)" } ?? "")).json
            let orders = page["orders"] as? [[String: Any]] ?? []
            for order in orders where acknowledged[order["id"] as! String] == nil {
                let settled = try daemon.settledOrder(order["id"] as! String, timeout: 60)
                #expect(settled["settled"] as? Bool == true)
                if settled["status"] as? String == "finished" { unacknowledged += cents(settled["amount"] as! String) }
            }
            guard let next = page["next_after"] as? String else { break }
            after = next
        }
        let deadline = Date().addingTimeInterval(30)
        var balance = cents(try daemon.balance())
        while balance + finishedCents + unacknowledged != openingCents, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            balance = cents(try daemon.balance())
        }
        #expect(balance + finishedCents + unacknowledged == openingCents, "money not conserved")
    }

    @Test(arguments: [SIGKILL, SIGTERM])
    func stoppingUnderLoadLosesNothing(signal: Int32) async throws {
        let daemon = DaemonProcess(settings: ["fulfillment.failure_rate": "0.3", "fulfillment.work_ms": "5"])
        defer { daemon.cleanUp() }
        try await daemon.start()
        let opening = cents(try daemon.balance())
        let load = LoadGenerator(socket: daemon.socket)
        load.start(threads: 6)
        try await Task.sleep(for: .milliseconds(1500))
        daemon.signal(signal)
        let status = try await daemon.waitForExit()
        load.stop()
        try await Task.sleep(for: .milliseconds(200))
        if signal == SIGTERM { #expect(status == 0) }
        let acknowledged = load.orders
        #expect(acknowledged.count > 20, "the load placed too few orders to mean anything")

        let again = DaemonProcess(settings: ["fulfillment.failure_rate": "0.3", "fulfillment.work_ms": "5"], reuse: daemon)
        defer { again.cleanUp() }
        try await again.start()
        try checkInvariants(again, acknowledged: acknowledged, openingCents: opening)
        if signal == SIGKILL { #expect(again.log.contains("previous shutdown was not clean")) }
        #expect(try await again.stop() == 0)
    }
}

import Foundation
import Testing

/// Three real sagad processes sharing one Kafka-protocol log (the emulator) and one PostgreSQL
/// database, as `Tests/cluster-tests.sh` starts them and names them in `SAGAD_KAFKA_BOOTSTRAP`
/// and `SAGAD_POSTGRES_URL`. Orders placed through any instance's socket settle, and a poll on
/// another instance sees them settle; an instance that stops has its partitions moved to the
/// others; one killed with `kill -9` under load loses nothing (every acknowledged order settles,
/// money is conserved, no order is charged or refunded twice); restarted, an instance rejoins.
@Suite(.serialized, .blockingCalls) struct ClusterTests {
    static let bootstrap = ProcessInfo.processInfo.environment["SAGAD_KAFKA_BOOTSTRAP"]
    static let postgresURL = ProcessInfo.processInfo.environment["SAGAD_POSTGRES_URL"]

    /// An instance's settings on the shared servers; `member` names it as a static member of its
    /// consumer groups (`group.instance.id`), so that, restarted, it takes back its partitions.
    static func settings(database: ClusterDatabase, namespace: String, member: String? = nil) -> [String: String] {
        [
            "log.backend": "kafka", "kafka.bootstrap_servers": bootstrap ?? "", "kafka.namespace": namespace,
            "kafka.properties": "heartbeat.interval.ms=500,session.timeout.ms=6000"
                + (member.map { ",group.instance.id=\($0)" } ?? ""),
            "log.partitions": "6",
            "state.backend": "postgres", "postgres.url": database.url,
            "fulfillment.failure_rate": "0.3", "fulfillment.work_ms": "15",
        ]
    }

    /// The servers, or nil (and a line saying the test is skipped) when none were started.
    static func servers(_ test: String) -> String? {
        guard bootstrap != nil, let postgresURL else {
            print("ClusterTests.\(test) skipped: SAGAD_KAFKA_BOOTSTRAP and SAGAD_POSTGRES_URL name no running servers "
                + "(make test-cluster starts both and sets them)")
            return nil
        }
        return postgresURL
    }

    /// Places `count` orders round-robin through `instances`; returns them with their amounts.
    static func placeRoundRobin(_ count: Int, through instances: [DaemonProcess], from first: Int = 0) throws -> [String: Int64] {
        var placed: [String: Int64] = [:]
        for n in first..<(first + count) {
            let amount = "\(n % 40 + 1).\(String(format: "%02d", n % 100))"
            placed[try instances[n % instances.count].placeOrder(amount: amount)] = cents(amount)
        }
        return placed
    }

    /// Awaits each order on another instance than the one it was placed on (a change committed
    /// elsewhere wakes the poll through the database's notifications).
    static func expectSettled(_ placed: [String: Int64], awaitedOn instances: [DaemonProcess]) throws {
        for (index, id) in placed.keys.sorted().enumerated() {
            let order = try instances[(index + 1) % instances.count].settledOrder(id, timeout: 60)
            #expect(order["settled"] as? Bool == true, "\(id): \(order)")
        }
    }

    @Test func ordersPlacedThroughAnyInstanceSettleAndAStoppedOnesPartitionsMove() async throws {
        guard let adminURL = Self.servers("ordersPlacedThroughAnyInstanceSettleAndAStoppedOnesPartitionsMove") else { return }
        let database = try ClusterDatabase.fresh(admin: adminURL)
        defer { database.drop() }
        let settings = Self.settings(database: database, namespace: "cluster-\(UUID().uuidString.prefix(8).lowercased()).")
        var instances = (0..<3).map { _ in DaemonProcess(settings: settings) }
        defer { instances.forEach { $0.cleanUp() } }
        for instance in instances { try await instance.start(timeout: .seconds(90)) }
        let opening = cents(try instances[0].balance())

        var placed = try Self.placeRoundRobin(30, through: instances)
        try Self.expectSettled(placed, awaitedOn: instances)
        for instance in instances {
            let health = try instance.call("GET", "/healthz")
            #expect(health.status == 200 && health.json["state_backend"] as? String == "postgres", "\(health.text)")
            #expect((health.json["checks"] as? [String: String])?["state_database"] == "ok", "\(health.text)")
        }

        // The third leaves its groups as it stops: the other two take its partitions, and the
        // orders they take meanwhile settle (30 keys over 6 partitions land on all of them).
        #expect(try await instances[2].stop() == 0)
        let whileStopped = try Self.placeRoundRobin(30, through: Array(instances[0..<2]), from: 30)
        try Self.expectSettled(whileStopped, awaitedOn: Array(instances[0..<2]))
        placed.merge(whileStopped) { first, _ in first }

        // Restarted, it rejoins: three members per group again, and its orders settle.
        let rejoined = DaemonProcess(settings: settings, reuse: instances[2])
        instances.append(rejoined)
        try await rejoined.start(timeout: .seconds(90))
        let afterRejoin = try Self.placeRoundRobin(12, through: [rejoined, instances[0], instances[1]], from: 60)
        try Self.expectSettled(afterRejoin, awaitedOn: [rejoined, instances[0], instances[1]])
        placed.merge(afterRejoin) { first, _ in first }
        let members = Set((try rejoined.call("GET", "/v1/groups").json["groups"] as? [[String: Any]] ?? [])
            .map { "\($0["group"] ?? "?")=\($0["members"] ?? "?")" })
        #expect(members == ["order=3", "checkout=3", "fulfillment=3"], "\(members)")

        try await expectEverythingSettled(placed, through: instances[0], opening: opening, database: database)
        for instance in [instances[0], instances[1], rejoined] {
            #expect(try await instance.stop() == 0, "\(instance.log.suffix(2000))")
        }
    }

    /// `kill -9` of one instance under load through all three. On a real Kafka cluster the
    /// killed member's partitions go to the others once its session times out; the emulator never
    /// expires a member that stops heartbeating, so here each instance is a static member and the
    /// killed one's partitions resume when it restarts under the same name (as after a crash
    /// and systemd's restart). Nothing acknowledged is lost either way.
    @Test func anInstanceKilledUnderLoadLosesNothingAndRejoins() async throws {
        guard let adminURL = Self.servers("anInstanceKilledUnderLoadLosesNothingAndRejoins") else { return }
        let database = try ClusterDatabase.fresh(admin: adminURL)
        defer { database.drop() }
        let namespace = "cluster-\(UUID().uuidString.prefix(8).lowercased())."
        let settings = (0..<3).map { Self.settings(database: database, namespace: namespace, member: "sagad-\($0)") }
        var instances = settings.map { DaemonProcess(settings: $0) }
        defer { instances.forEach { $0.cleanUp() } }
        for instance in instances { try await instance.start(timeout: .seconds(90)) }
        let opening = cents(try instances[0].balance())

        let loads = instances.map { LoadGenerator(socket: $0.socket) }
        loads.forEach { $0.start(threads: 2) }
        defer { loads.forEach { $0.stop() } }
        try await Task.sleep(for: .seconds(3))
        let inFlight = loads[2].requestsInFlight
        instances[2].signal(SIGKILL)
        #expect(try await instances[2].waitForExit(timeout: .seconds(10)) == SIGKILL)
        let beforeKill = loads[2].orders.count
        try await Task.sleep(for: .seconds(5))
        loads.forEach { $0.stop() }
        try await Task.sleep(for: .milliseconds(500))
        let survivorsPlaced = loads[0].orders.count + loads[1].orders.count
        #expect(beforeKill > 0 && survivorsPlaced > 0, "placed before the kill: \(beforeKill), by the others: \(survivorsPlaced)")
        print("ClusterTests: killed an instance with \(inFlight) requests in flight, \(beforeKill) orders it had taken; "
            + "the others took \(survivorsPlaced)")

        let restarted = DaemonProcess(settings: settings[2], reuse: instances[2])
        instances.append(restarted)
        try await restarted.start(timeout: .seconds(90))
        var placed = try Self.placeRoundRobin(6, through: [restarted])
        for load in loads { placed.merge(load.orders) { first, _ in first } }
        try await expectEverythingSettled(placed, through: instances[0], opening: opening, database: database)
        for instance in [instances[0], instances[1], restarted] {
            #expect((try instance.call("GET", "/healthz")).status == 200)
            #expect(try await instance.stop() == 0, "\(instance.log.suffix(2000))")
        }
    }

    /// The database refusing every connection: `/healthz` fails on `state_database` and says
    /// why, while the services' own liveness (what the watchdog pings on) stays ok, since a
    /// restart would not bring the database back; orders are refused with a problem, not lost.
    /// Once connections are allowed again, health recovers by itself and orders settle.
    @Test func aDatabaseThatRefusesConnectionsFailsHealthNotLivenessAndIsRecoveredFrom() async throws {
        guard let adminURL = Self.servers("aDatabaseThatRefusesConnectionsFailsHealthNotLivenessAndIsRecoveredFrom") else { return }
        let database = try ClusterDatabase.fresh(admin: adminURL)
        defer { database.drop() }
        let daemon = DaemonProcess(settings: Self.settings(database: database, namespace: "outage-\(UUID().uuidString.prefix(8).lowercased())."))
        defer { daemon.cleanUp() }
        try await daemon.start(timeout: .seconds(90))
        _ = try daemon.settledOrder(try daemon.placeOrder(amount: "1.00"))

        try database.refuseConnections(true)
        var health = try daemon.call("GET", "/healthz")
        let deadline = ContinuousClock.now + .seconds(20)
        while health.status == 200, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            health = try daemon.call("GET", "/healthz")
        }
        let checks = health.json["checks"] as? [String: String] ?? [:]
        #expect(health.status == 503, "\(health.text)")
        #expect(checks["state_database"]?.hasPrefix("error") == true, "\(health.text)")
        #expect(checks["order"] == "ok" && checks["checkout"] == "ok" && checks["fulfillment"] == "ok", "\(health.text)")
        let refused = try daemon.call("POST", "/v1/orders", ["amount": "2.00"])
        #expect(refused.status >= 500 && refused.header("content-type")?.hasPrefix("application/problem+json") == true,
                "\(refused.status) \(refused.text)")

        try database.refuseConnections(false)
        let recovered = ContinuousClock.now + .seconds(30)
        while try daemon.call("GET", "/healthz").status != 200, ContinuousClock.now < recovered {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try daemon.call("GET", "/healthz").status == 200)
        let order = try daemon.settledOrder(try daemon.placeOrder(amount: "3.00"), timeout: 60)
        #expect(order["status"] as? String == "finished" || order["status"] as? String == "refunded", "\(order)")
        #expect(try await daemon.stop() == 0, "\(daemon.log.suffix(2000))")
    }

    /// Every order in `placed` exists with its amount and settles (read through `daemon`),
    /// every order any instance took settles, and the default account lost exactly the finished
    /// orders' amounts.
    private func expectEverythingSettled(
        _ placed: [String: Int64], through daemon: DaemonProcess, opening: Int64, database: ClusterDatabase
    ) async throws {
        var all = try daemon.allOrders()
        let deadline = ContinuousClock.now + .seconds(90)
        while all.contains(where: { $0["settled"] as? Bool != true }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            all = try daemon.allOrders()
        }
        let stuck = all.filter { $0["settled"] as? Bool != true }
        #expect(stuck.isEmpty, "\(stuck.count) of \(all.count) orders stuck, e.g. \(stuck.prefix(5).map { "\($0["id"] ?? "?") \($0["status"] ?? "?")" })")
        var orders: [String: (status: String, cents: Int64)] = [:]
        for order in all { orders[order["id"] as! String] = (order["status"] as? String ?? "?", cents(order["amount"] as! String)) }
        let missing = placed.keys.filter { orders[$0] == nil }
        #expect(missing.isEmpty, "\(missing.count) of \(placed.count) acknowledged orders are missing, e.g. \(missing.prefix(5))")
        let wrong = placed.filter { id, amount in orders[id].map { $0.cents != amount } ?? false }
        #expect(wrong.isEmpty, "orders with another amount than placed: \(wrong.prefix(5))")
        let finished = orders.values.filter { $0.status == "finished" }.reduce(0) { $0 + $1.cents }
        #expect(cents(try daemon.balance()) + finished == opening, "money not conserved")
        #expect(try daemon.call("GET", "/v1/ledger").json["balanced"] as? Bool == true)
        let twice = try database.rows("""
            SELECT order_id || ' ' || kind || ' ' || COUNT(*) FROM checkout.payment_movements
            GROUP BY order_id, kind HAVING COUNT(*) > 1
            """)
        #expect(twice.isEmpty, "orders charged or refunded twice: \(twice.prefix(5))")
        // Each order's charges less its refunds: 1 for a finished order, 0 for any other.
        let unbalanced = try database.rows("""
            SELECT o.id || ' ' || o.status || ' ' || COALESCE(m.net, 0) FROM orders.orders o
            LEFT JOIN (
              SELECT order_id, SUM(CASE kind WHEN 'charge' THEN 1 ELSE -1 END) AS net
              FROM checkout.payment_movements GROUP BY order_id
            ) m ON m.order_id = o.id
            WHERE COALESCE(m.net, 0) <> CASE WHEN o.status = 'finished' THEN 1 ELSE 0 END
            """)
        #expect(unbalanced.isEmpty, "orders whose payments do not match their status: \(unbalanced.prefix(5))")
    }
}

/// A database of its own on the test server, made and dropped with `psql`.
struct ClusterDatabase {
    let url: String
    private let admin: String
    private let name: String

    static func fresh(admin: String) throws -> ClusterDatabase {
        let name = "cluster_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        let database = ClusterDatabase(url: admin.replacingOccurrences(of: "/sagad?", with: "/\(name)?"), admin: admin, name: name)
        _ = try psql(admin, "CREATE DATABASE \(name)")
        return database
    }

    func drop() { _ = try? Self.psql(admin, "DROP DATABASE \(name) WITH (FORCE)") }

    /// Makes the database refuse (or accept again) new connections, and ends the open ones.
    func refuseConnections(_ refuse: Bool) throws {
        _ = try Self.psql(admin, "ALTER DATABASE \(name) ALLOW_CONNECTIONS \(refuse ? "false" : "true")")
        if refuse {
            _ = try Self.psql(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(name)'")
        }
    }

    /// The first column of every row `sql` returns.
    func rows(_ sql: String) throws -> [String] { try Self.psql(url, sql) }

    private static func psql(_ url: String, _ sql: String) throws -> [String] {
        let bin = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().last
            .map { "/usr/lib/postgresql/\($0)/bin/psql" } ?? "psql"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bin)
        process.arguments = ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "psql failed: \(text)"])
        }
        return text.split(separator: "\n").map(String.init)
    }
}

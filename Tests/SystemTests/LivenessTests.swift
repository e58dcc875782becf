import Foundation
import GRDB
import Testing

/// Another client of a service's database holding its write lock, as a stuck `sqlite3`
/// session would: sagad can still read the file, but that service cannot write a thing.
final class HeldDatabaseLock {
    private let queue: DatabaseQueue
    private var held = true

    init(path: String) throws {
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true  // the transaction outlives this call on purpose
        configuration.busyMode = .timeout(10)
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.inDatabase { try $0.execute(sql: "BEGIN EXCLUSIVE TRANSACTION") }
    }

    func release() throws {
        guard held else { return }
        try queue.inDatabase { try $0.execute(sql: "ROLLBACK") }
        held = false
    }

    deinit { try? release() }
}

/// What `/healthz` answered: the HTTP status and each component's check.
struct HealthAnswer: CustomStringConvertible {
    var status: Int
    var checks: [String: String]
    var description: String { "\(status) \(checks.sorted { $0.key < $1.key })" }
}

extension DaemonProcess {
    func health() throws -> HealthAnswer {
        let reply = try UnixHTTPClient.request(socket: socket, "GET", "/healthz", timeout: 10)
        return HealthAnswer(status: reply.status, checks: reply.json["checks"] as? [String: String] ?? [:])
    }

    /// Polls `/healthz` until `condition` holds; returns the last answer either way.
    func waitForHealth(timeout: Duration, until condition: (HealthAnswer) -> Bool) async throws -> HealthAnswer {
        let deadline = ContinuousClock.now + timeout
        var answer = try health()
        while !condition(answer), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            answer = try health()
        }
        return answer
    }
}

extension FakeNotifySocket {
    /// Watchdog pings among `messages`.
    static func pings(in messages: [[String]]) -> Int { messages.filter { $0 == ["WATCHDOG=1"] }.count }

    /// Waits up to `timeout` for a watchdog ping; true once one came.
    func waitForPing(timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if Self.pings(in: receive(for: .milliseconds(100))) > 0 { return true }
        }
        return false
    }
}

/// Liveness against a real fault in one component only: `/healthz` must name it and the
/// watchdog must stop pinging, where freezing the whole process would prove nothing.
@Suite(.serialized) struct LivenessTests {
    @Test func aServiceDatabaseLockedElsewhereFailsHealthzAndStopsWatchdogPingsUntilReleased() async throws {
        let notify = try FakeNotifySocket()
        // Pings every 0.5 s, each after a liveness check that must answer within 0.5 s.
        let daemon = DaemonProcess(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])
        defer { daemon.cleanUp() }
        try await daemon.start()
        #expect(notify.waitForPing(timeout: .seconds(5)), "no watchdog ping while healthy")
        let healthy = try daemon.health()
        #expect(healthy.status == 200 && healthy.checks["checkout"] == "ok", "\(healthy)")

        let lock = try HeldDatabaseLock(path: daemon.stateDirectory + "/data/checkout.sqlite")
        let failing = try await daemon.waitForHealth(timeout: .seconds(10)) { $0.status != 200 }
        #expect(failing.status == 503, "healthz still answers \(failing) with checkout.sqlite locked")
        #expect(failing.checks["checkout"].map { $0 != "ok" } == true, "\(failing)")
        #expect(failing.checks.filter { $0.key != "checkout" }.values.allSatisfy { $0 == "ok" }, "\(failing)")
        _ = notify.receive(for: .milliseconds(600))  // at most one ping from a check begun before the lock
        let whileLocked = notify.receive(for: .milliseconds(2500))
        #expect(FakeNotifySocket.pings(in: whileLocked) == 0, "the watchdog kept pinging: \(whileLocked)")

        try lock.release()
        let recovered = try await daemon.waitForHealth(timeout: .seconds(15)) { $0.status == 200 }
        #expect(recovered.status == 200, "healthz did not recover after the lock was released: \(recovered)")
        #expect(notify.waitForPing(timeout: .seconds(5)), "watchdog pings did not resume")
        #expect(try await daemon.stop() == 0)
    }
}

import Foundation
import GRDB
import Synchronization
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

/// Drains a fake notify socket on its own thread for as long as it lives, keeping each
/// watchdog ping's arrival time. Draining matters: the socket queues only a few datagrams, and
/// sagad's `sd_notify` blocks once it is full.
final class WatchdogPingRecorder: Sendable {
    private final class State: Sendable {
        let pings = Mutex<[ContinuousClock.Instant]>([])
        let stopped = Mutex(false)
    }

    private let state = State()

    init(_ socket: FakeNotifySocket) {
        let state = self.state
        Thread {
            while !state.stopped.withLock({ $0 }) {
                let messages = socket.receive(for: .milliseconds(50))
                let now = ContinuousClock.now
                state.pings.withLock { $0 += messages.filter { $0 == ["WATCHDOG=1"] }.map { _ in now } }
            }
        }.start()
    }

    deinit { state.stopped.withLock { $0 = true } }

    /// Pings that arrived after `instant`.
    func count(after instant: ContinuousClock.Instant) -> Int { state.pings.withLock { $0.filter { $0 > instant }.count } }

    /// Waits up to `timeout` for a ping after `instant`; true once one came.
    func waitForPing(after instant: ContinuousClock.Instant, timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while count(after: instant) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return count(after: instant) > 0
    }
}

/// Liveness against a real fault in one component only: `/healthz` must name it and the
/// watchdog must stop pinging, where freezing the whole process would prove nothing.
@Suite(.serialized, .blockingCalls) struct LivenessTests {
    @Test(arguments: [("order", "orders.sqlite"), ("checkout", "checkout.sqlite"), ("fulfillment", "fulfillment.sqlite")])
    func aServiceDatabaseLockedElsewhereFailsHealthzAndStopsWatchdogPingsUntilReleased(service: String, file: String) async throws {
        let notify = try FakeNotifySocket()
        let pings = WatchdogPingRecorder(notify)
        // Pings every 0.5 s, each after a liveness check that must answer within 0.5 s.
        let daemon = DaemonProcess(environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000"])
        let clock = ContinuousClock()
        try await daemon.start()
        defer { daemon.cleanUp() }
        #expect(try await pings.waitForPing(after: clock.now, timeout: .seconds(5)), "no watchdog ping while healthy")
        let healthy = try daemon.health()
        #expect(healthy.status == 200 && healthy.checks[service] == "ok", "\(healthy)")

        let lock = try HeldDatabaseLock(path: daemon.stateDirectory + "/data/" + file)
        let failing = try await daemon.waitForHealth(timeout: .seconds(10)) { $0.status != 200 }
        #expect(failing.status == 503, "healthz still answers \(failing) with \(file) locked")
        #expect(failing.checks[service].map { $0 != "ok" } == true, "\(failing)")
        #expect(failing.checks.filter { $0.key != service }.values.allSatisfy { $0 == "ok" }, "\(failing)")
        // A check begun before the lock may still ping once; after that, silence.
        let quietFrom = clock.now + .milliseconds(600)
        try await Task.sleep(until: quietFrom + .milliseconds(2500))
        #expect(pings.count(after: quietFrom) == 0, "the watchdog kept pinging with \(file) locked")

        try lock.release()
        let released = clock.now
        let recovered = try await daemon.waitForHealth(timeout: .seconds(15)) { $0.status == 200 }
        #expect(recovered.status == 200, "healthz did not recover after the lock was released: \(recovered)")
        #expect(try await pings.waitForPing(after: released, timeout: .seconds(5)), "watchdog pings did not resume")
        #expect(try await daemon.stop() == 0)
    }
}

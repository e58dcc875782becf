import Synchronization
import Testing

@testable import SagaSystemd

#if canImport(Glibc)
import Glibc
#endif

/// A liveness check the test can make healthy, failing, or wedged (a wedged check ignores
/// cancellation, like a deadlocked actor would).
final class ScriptedLiveness: Sendable {
    enum Mode: Sendable { case healthy, failing, wedged }

    private let state = Mutex((mode: Mode.healthy, calls: 0))

    var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }

    var calls: Int { state.withLock { $0.calls } }

    func check() async -> Bool {
        state.withLock { $0.calls += 1 }
        switch mode {
        case .healthy: return true
        case .failing: return false
        case .wedged:
            // An unstructured task does not inherit cancellation, so this wait ignores it the way
            // a deadlocked actor would (and does not spin once the probe cancels the check).
            await Task { while self.mode == .wedged { try? await Task.sleep(for: .milliseconds(10)) } }.value
            return true
        }
    }
}

/// A one-way flag tasks can raise and tests can read.
final class Flag: Sendable {
    private let raised = Mutex(false)
    var isSet: Bool { raised.withLock { $0 } }
    func set() { raised.withLock { $0 = true } }
}

extension SystemdEnvironmentTests {
    @Test("the watchdog reads WATCHDOG_USEC and pings at half of it")
    func watchdogInterval() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(WatchdogScenarios.interval)
        }
        ChildScenario.report(child)
    }

    @Test("the watchdog is off without WATCHDOG_USEC or when WATCHDOG_PID names another process")
    func watchdogDisabled() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(WatchdogScenarios.disabled)
        }
        ChildScenario.report(child)
    }

    @Test("a malformed WATCHDOG_USEC is a descriptive error")
    func watchdogMalformed() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(WatchdogScenarios.malformed)
        }
        ChildScenario.report(child)
    }

    @Test("the watchdog pings only while the liveness check succeeds, and stops when cancelled")
    func watchdogFollowsLiveness() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(WatchdogScenarios.followsLiveness)
        }
        ChildScenario.report(child)
    }
}

@Test("a liveness probe gives up at its deadline and does not stack a second check")
func probeDeadline() async throws {
    let liveness = ScriptedLiveness()
    let probe = LivenessProbe { await liveness.check() }
    #expect(await probe.run(deadline: .seconds(2)) == .alive)
    liveness.mode = .failing
    #expect(await probe.run(deadline: .seconds(2)) == .failed)
    liveness.mode = .wedged
    let clock = ContinuousClock()
    let started = clock.now
    #expect(await probe.run(deadline: .milliseconds(100)) == .timedOut)
    // The wedged check never ends: any return at all is the deadline working. The bound is
    // loose because CI runs this beside child processes (1.07 s was seen for a 100 ms deadline).
    #expect(clock.now - started < .seconds(5))
    #expect(await probe.run(deadline: .milliseconds(100)) == .stillRunning)
    #expect(liveness.calls == 3)
    liveness.mode = .healthy
    // Once the wedged check returns (it polls every 10 ms, later on a loaded machine), the
    // probe starts checks again.
    var outcome = LivenessProbe.Outcome.stillRunning
    let settled = clock.now + .seconds(10)
    while outcome == .stillRunning, clock.now < settled {
        try await Task.sleep(for: .milliseconds(20))
        outcome = await probe.run(deadline: .seconds(2))
    }
    #expect(outcome == .alive)
}

/// Bodies of the watchdog tests; each runs in a child process (see ``ChildScenario``).
enum WatchdogScenarios {
    /// WATCHDOG_USEC=200 ms for this process, notifications to `notifySocket`.
    private static func enableWatchdog(notifySocket: String = "/nonexistent", usec: String = "200000",
                                       pid: pid_t = getpid()) {
        ChildScenario.setEnvironment(["NOTIFY_SOCKET": notifySocket, "WATCHDOG_USEC": usec, "WATCHDOG_PID": "\(pid)"])
    }

    static func interval(_ complaints: Complaints) async throws {
        enableWatchdog()
        let watchdog = try SystemdWatchdog { true }
        complaints.check(watchdog.isEnabled, "not enabled with WATCHDOG_USEC=200000")
        complaints.check(watchdog.timeout == .milliseconds(200), "timeout \(String(describing: watchdog.timeout))")
        complaints.check(watchdog.pingInterval == .milliseconds(100), "interval \(String(describing: watchdog.pingInterval))")
    }

    static func disabled(_ complaints: Complaints) async throws {
        for (situation, setUp) in [
            ("no WATCHDOG_USEC", { ChildScenario.setEnvironment(["WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]) }),
            ("WATCHDOG_PID of another process", { enableWatchdog(pid: getpid() + 1) }),
        ] as [(String, () -> Void)] {
            setUp()
            let liveness = ScriptedLiveness()
            let watchdog = try SystemdWatchdog { await liveness.check() }
            complaints.check(!watchdog.isEnabled && watchdog.pingInterval == nil, "enabled with \(situation)")
            let returned = Flag()
            let loop = Task {
                await watchdog.run()
                returned.set()
            }
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(2))
            while !returned.isSet && clock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            loop.cancel()
            complaints.check(returned.isSet, "run() kept running with \(situation)")
            complaints.check(liveness.calls == 0, "the liveness check ran with \(situation)")
        }
    }

    static func malformed(_ complaints: Complaints) async throws {
        enableWatchdog(usec: "soon")
        do {
            _ = try SystemdWatchdog { true }
            complaints.add("WATCHDOG_USEC=soon was accepted")
        } catch let error as SystemdError {
            complaints.check(error == .invalidWatchdogEnvironment(errno: EINVAL), "unexpected error: \(error)")
        }
    }

    static func followsLiveness(_ complaints: Complaints) async throws {
        let listener = try NotifySocketListener()
        enableWatchdog(notifySocket: listener.path)
        let liveness = ScriptedLiveness()
        let captured = CapturedLines()
        let watchdog = try SystemdWatchdog(logger: captured.logger()) { await liveness.check() }
        let loop = Task { await watchdog.run() }
        defer { loop.cancel() }

        // Healthy: a ping about every 100 ms.
        let healthy = await listener.receive(atLeast: 3, within: .seconds(3))
        complaints.check(healthy.count >= 3, "only \(healthy.count) pings in 3 s while healthy")
        complaints.check(healthy.allSatisfy { $0 == "WATCHDOG=1" }, "unexpected messages: \(healthy)")

        // Failing: the checks go on, the pings stop, and each skip is logged.
        liveness.mode = .failing
        try await Task.sleep(for: .milliseconds(250))
        _ = listener.drain()
        let callsBefore = liveness.calls
        try await Task.sleep(for: .milliseconds(600))
        let whileFailing = listener.drain()
        complaints.check(whileFailing.isEmpty, "pinged while the check returned false: \(whileFailing)")
        complaints.check(liveness.calls > callsBefore, "the liveness check stopped being called")
        complaints.check(captured.lines.contains { $0.hasPrefix("<4>test: liveness check failed; skipping") },
                         "no warning about the skipped ping: \(captured.lines.suffix(3))")

        // Wedged: the check never answers; no pings, and the loop keeps ticking past it.
        liveness.mode = .wedged
        try await Task.sleep(for: .milliseconds(250))
        _ = listener.drain()
        let linesBefore = captured.lines.count
        try await Task.sleep(for: .milliseconds(600))
        let whileWedged = listener.drain()
        complaints.check(whileWedged.isEmpty, "pinged while the check hung: \(whileWedged)")
        let wedgedLines = Array(captured.lines.dropFirst(linesBefore))
        complaints.check(wedgedLines.count >= 2, "the loop stopped ticking behind the wedged check: \(wedgedLines)")
        complaints.check(wedgedLines.allSatisfy {
            $0.hasPrefix("<4>test: liveness check did not answer in time")
                || $0.hasPrefix("<4>test: previous liveness check is still running")
        }, "unexpected log lines while wedged: \(wedgedLines)")

        // Healthy again: pings resume.
        liveness.mode = .healthy
        _ = listener.drain()
        let recovered = await listener.receive(atLeast: 2, within: .seconds(3))
        complaints.check(recovered.count >= 2, "pings did not resume once the check answered again: \(recovered)")

        // Cancelled: the loop ends and pings stop for good.
        loop.cancel()
        await loop.value
        try await Task.sleep(for: .milliseconds(50))
        _ = listener.drain()
        try await Task.sleep(for: .milliseconds(400))
        let afterCancel = listener.drain()
        complaints.check(afterCancel.isEmpty, "pinged after cancellation: \(afterCancel)")
    }
}

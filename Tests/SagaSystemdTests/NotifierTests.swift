import Testing

@testable import SagaSystemd

#if canImport(Glibc)
import Glibc
#endif

extension SystemdEnvironmentTests {
    @Test("ready() sends READY=1 and a one-line STATUS")
    func readyWithStatus() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(NotifierScenarios.readyWithStatus)
        }
        ChildScenario.report(child)
    }

    @Test("lifecycle messages arrive verbatim and in the order they were sent")
    func lifecycleOrder() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(NotifierScenarios.lifecycleOrder)
        }
        ChildScenario.report(child)
    }

    @Test("reloading() sends RELOADING=1 with MONOTONIC_USEC taken from CLOCK_MONOTONIC")
    func reloadingCarriesMonotonicTime() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(NotifierScenarios.reloadingCarriesMonotonicTime)
        }
        ChildScenario.report(child)
    }

    @Test("the notifier does nothing and reports false without NOTIFY_SOCKET")
    func noOpWithoutNotifySocket() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(NotifierScenarios.noOpWithoutNotifySocket)
        }
        ChildScenario.report(child)
    }

    @Test("a service manager that stops reading costs each notification at most the send timeout")
    func fullQueueIsBounded() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(NotifierScenarios.fullQueueIsBounded)
        }
        ChildScenario.report(child)
    }

    @Test("the notifier reports false, and neither throws nor crashes, when nobody listens")
    func noOpWhenNobodyListens() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(NotifierScenarios.noOpWhenNobodyListens)
        }
        ChildScenario.report(child)
    }
}

@Test("durations convert to whole microseconds")
func microsecondConversion() {
    #expect(SystemdNotifier.microseconds(.seconds(2)) == 2_000_000)
    #expect(SystemdNotifier.microseconds(.milliseconds(1500)) == 1_500_000)
    #expect(SystemdNotifier.microseconds(.nanoseconds(2_500)) == 2)
    #expect(SystemdNotifier.microseconds(.seconds(-1)) == 0)
}

/// Bodies of the notifier tests; each runs in a child process (see ``ChildScenario``).
enum NotifierScenarios {
    static func readyWithStatus(_ complaints: Complaints) async throws {
        let listener = try NotifySocketListener()
        setenv("NOTIFY_SOCKET", listener.path, 1)
        let notifier = SystemdNotifier()
        complaints.check(notifier.isEnabled, "isEnabled is false although NOTIFY_SOCKET is set")
        complaints.check(notifier.ready(status: "3 orders in flight\nlag 0"), "ready(status:) reported no delivery")
        let first = await listener.receive(atLeast: 1)
        complaints.check(first == ["READY=1\nSTATUS=3 orders in flight lag 0"], "ready(status:) sent \(first)")
        complaints.check(notifier.ready(), "ready() reported no delivery")
        let second = await listener.receive(atLeast: 1)
        complaints.check(second == ["READY=1"], "ready() sent \(second)")
    }

    static func lifecycleOrder(_ complaints: Complaints) async throws {
        let listener = try NotifySocketListener()
        setenv("NOTIFY_SOCKET", listener.path, 1)
        let notifier = SystemdNotifier()
        let delivered = [
            notifier.extendTimeout(.seconds(90)),
            notifier.ready(status: "serving"),
            notifier.status("orders=2 lag=0 outbox=0"),
            notifier.watchdogPing(),
            notifier.extendTimeout(.milliseconds(1500)),
            notifier.stopping(),
        ]
        complaints.check(delivered.allSatisfy { $0 }, "not every call reported delivery: \(delivered)")
        let expected = [
            "EXTEND_TIMEOUT_USEC=90000000",
            "READY=1\nSTATUS=serving",
            "STATUS=orders=2 lag=0 outbox=0",
            "WATCHDOG=1",
            "EXTEND_TIMEOUT_USEC=1500000",
            "STOPPING=1",
        ]
        let received = await listener.receive(atLeast: expected.count)
        complaints.check(received == expected, "expected \(expected), received \(received)")
    }

    static func reloadingCarriesMonotonicTime(_ complaints: Complaints) async throws {
        let listener = try NotifySocketListener()
        setenv("NOTIFY_SOCKET", listener.path, 1)
        let before = monotonicNowMicroseconds()
        complaints.check(SystemdNotifier().reloading(), "reloading() reported no delivery")
        let after = monotonicNowMicroseconds()
        let received = await listener.receive(atLeast: 1)
        guard received.count == 1 else { return complaints.add("expected one datagram, received \(received)") }
        let lines = received[0].split(separator: "\n").map(String.init)
        guard lines.count == 2, lines[0] == "RELOADING=1", lines[1].hasPrefix("MONOTONIC_USEC=") else {
            return complaints.add("expected RELOADING=1 and MONOTONIC_USEC=…, received \(received[0].debugDescription)")
        }
        guard let stamp = UInt64(lines[1].dropFirst("MONOTONIC_USEC=".count)) else {
            return complaints.add("MONOTONIC_USEC is not a number: \(lines[1])")
        }
        complaints.check(stamp >= before && stamp <= after, "MONOTONIC_USEC=\(stamp) is not within [\(before), \(after)]")
    }

    static func noOpWithoutNotifySocket(_ complaints: Complaints) async throws {
        for value in [nil, ""] as [String?] {
            ChildScenario.setEnvironment(["NOTIFY_SOCKET": value])
            let notifier = SystemdNotifier()
            let label = value == nil ? "unset" : "empty"
            complaints.check(!notifier.isEnabled, "isEnabled with NOTIFY_SOCKET \(label)")
            let results = [
                notifier.ready(status: "x"), notifier.status("x"), notifier.reloading(), notifier.watchdogPing(),
                notifier.extendTimeout(.seconds(1)), notifier.stopping(),
            ]
            complaints.check(results.allSatisfy { !$0 }, "reported delivery with NOTIFY_SOCKET \(label): \(results)")
        }
    }

    static func fullQueueIsBounded(_ complaints: Complaints) async throws {
        let listener = try NotifySocketListener()
        setenv("NOTIFY_SOCKET", listener.path, 1)
        let captured = CapturedLines()
        let notifier = SystemdNotifier(logger: captured.logger(), sendTimeout: .milliseconds(50))
        let started = ContinuousClock.now
        // Nobody reads: the socket's queue (net.unix.max_dgram_qlen, 10 here) fills up.
        let delivered = (0..<30).map { _ in notifier.watchdogPing() }
        let took = ContinuousClock.now - started
        complaints.check(delivered.prefix(5).allSatisfy { $0 }, "the first pings were not delivered: \(delivered)")
        complaints.check(delivered.contains(false), "30 pings fit an unread queue? \(delivered)")
        let dropped = delivered.filter { !$0 }.count
        complaints.check(took < .milliseconds(50) * (dropped + 20), "\(dropped) dropped pings took \(took)")
        complaints.check(captured.lines.contains { $0.contains("notify queue stayed full") }, "no warning: \(captured.lines)")
        // Once the manager reads again, notifications go through again.
        let queued = listener.drain()
        complaints.check(queued.count == delivered.filter { $0 }.count, "queued \(queued.count) of \(delivered)")
        complaints.check(notifier.stopping(), "STOPPING=1 not delivered after the queue drained")
    }

    static func noOpWhenNobodyListens(_ complaints: Complaints) async throws {
        let directory = try makeTemporaryDirectory(prefix: "sagad-dead")
        defer { removeFlatDirectory(directory) }
        let dead = try makeDeadSocketPath(in: directory)
        let captured = CapturedLines()
        let targets = [dead, directory + "/missing.sock", "@sagad-test-nobody-\(getpid())"]
        for target in targets {
            setenv("NOTIFY_SOCKET", target, 1)
            let notifier = SystemdNotifier(logger: captured.logger())
            complaints.check(notifier.isEnabled, "isEnabled is false with NOTIFY_SOCKET=\(target)")
            let results = [notifier.ready(status: "x"), notifier.reloading(), notifier.watchdogPing(), notifier.stopping()]
            complaints.check(results.allSatisfy { !$0 }, "reported delivery to \(target), where nobody listens: \(results)")
        }
        // Each failure is logged at debug level, never louder.
        let lines = captured.lines
        complaints.check(lines.count == targets.count * 4, "expected \(targets.count * 4) log lines, got \(lines)")
        complaints.check(lines.allSatisfy { $0.hasPrefix("<7>test: sd_notify failed") }, "not all at debug: \(lines)")
    }
}

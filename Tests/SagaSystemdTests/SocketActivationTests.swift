import Testing

@testable import SagaSystemd

#if canImport(Glibc)
import Glibc
#endif

extension SystemdEnvironmentTests {
    @Test("no inherited listener when LISTEN_FDS is unset, or when LISTEN_PID names another process")
    func noInheritedListener() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(PassedSocketScenarios.noInheritedListener)
        }
        ChildScenario.report(child)
    }

    @Test("malformed LISTEN_FDS is a descriptive error")
    func malformedListenFds() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(PassedSocketScenarios.malformed)
        }
        ChildScenario.report(child)
    }

    @Test("the socket named 'control' wins over position, the name is configurable, LISTEN_PID must match")
    func namedListener() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(PassedSocketScenarios.namedListener)
        }
        ChildScenario.report(child)
    }

    @Test("several unnamed sockets and no 'control' is an error naming what was passed")
    func missingName() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(PassedSocketScenarios.missingName)
        }
        ChildScenario.report(child)
    }

    @Test("a datagram or a non-listening stream socket named 'control' is rejected")
    func rejectsWrongSocketKinds() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(PassedSocketScenarios.wrongSocketKinds)
        }
        ChildScenario.report(child)
    }

    @Test("with exactly one socket and no matching name, fd 3 is the one used")
    func singleSocketFallsBackToFd3() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(PassedSocketScenarios.singleUnnamedSocket)
        }
        ChildScenario.report(child)
    }
}

/// Bodies of the socket-activation tests, run in child processes (see ``ChildScenario``).
/// sd_listen_fds accepts only descriptors 3, 4, … in an unbroken row, so each child lays out
/// its own descriptors (no other test opens or closes any there) and sets LISTEN_* as systemd would.
enum PassedSocketScenarios {
    /// What `inheritedListener(named:)` did, as comparable text.
    static func outcome(_ name: String = "control") -> String {
        do {
            return try SocketActivation.inheritedListener(named: name).map { "fd \($0)" } ?? "nil"
        } catch {
            return "error: \(error)"
        }
    }

    static func noInheritedListener(_ complaints: Complaints) async throws {
        let unset = outcome()
        complaints.check(unset == "nil", "LISTEN_FDS unset: expected nil, got \(unset)")
        // libsystemd compares LISTEN_PID before it looks at any descriptor.
        ChildScenario.setEnvironment(["LISTEN_FDS": "1", "LISTEN_PID": "\(getpid() + 1)", "LISTEN_FDNAMES": "control"])
        let foreign = outcome()
        complaints.check(foreign == "nil", "LISTEN_PID of another process: expected nil, got \(foreign)")
    }

    static func malformed(_ complaints: Complaints) async throws {
        ChildScenario.setEnvironment(["LISTEN_FDS": "many", "LISTEN_PID": "\(getpid())"])
        let expected = "error: \(SystemdError.invalidListenEnvironment(errno: EINVAL))"
        let found = outcome()
        complaints.check(found == expected, "LISTEN_FDS=many: expected \(expected), got \(found)")
    }

    static func namedListener(_ complaints: Complaints) async throws {
        let directory = try makeTemporaryDirectory(prefix: "sagad-listen")
        defer { removeFlatDirectory(directory) }
        let metrics = try openSocket(SOCK_STREAM, listening: true, in: directory)
        let control = try openSocket(SOCK_STREAM, listening: true, in: directory)
        let names = try pass([control: "control", metrics: "metrics"])
        let found = outcome()
        complaints.check(found == "fd \(control)", "control: expected fd \(control), got \(found)")
        let other = outcome("metrics")
        complaints.check(other == "fd \(metrics)", "metrics: expected fd \(metrics), got \(other)")
        let listed = try SocketActivation.passedDescriptorNames()
        complaints.check(listed == names, "names: expected \(names), got \(listed)")
        setenv("LISTEN_PID", "\(getpid() + 1)", 1)
        let foreign = outcome()
        complaints.check(foreign == "nil", "LISTEN_PID of another process: expected nil, got \(foreign)")
    }

    static func missingName(_ complaints: Complaints) async throws {
        let directory = try makeTemporaryDirectory(prefix: "sagad-listen")
        defer { removeFlatDirectory(directory) }
        let first = try openSocket(SOCK_STREAM, listening: true, in: directory)
        let second = try openSocket(SOCK_STREAM, listening: true, in: directory)
        let names = try pass([first: "api", second: "metrics"])
        unsetenv("LISTEN_FDNAMES")
        let expected = SystemdError.noSocketNamed("control", passed: Array(repeating: "unknown", count: names.count))
        let found = outcome()
        complaints.check(found == "error: \(expected)", "expected error: \(expected), got \(found)")
    }

    static func wrongSocketKinds(_ complaints: Complaints) async throws {
        let directory = try makeTemporaryDirectory(prefix: "sagad-listen")
        defer { removeFlatDirectory(directory) }
        let datagram = try openSocket(SOCK_DGRAM, listening: false, in: directory)
        _ = try pass([datagram: "control"])
        let expectedForDatagram = SystemdError.notAListeningStreamSocket(fd: datagram, name: "control")
        let foundForDatagram = outcome()
        complaints.check(foundForDatagram == "error: \(expectedForDatagram)",
                         "datagram: expected error: \(expectedForDatagram), got \(foundForDatagram)")
        let unbound = try openSocket(SOCK_STREAM, listening: false, in: nil)
        _ = try pass([unbound: "control"])
        let expectedForUnbound = SystemdError.notAListeningStreamSocket(fd: unbound, name: "control")
        let foundForUnbound = outcome()
        complaints.check(foundForUnbound == "error: \(expectedForUnbound)",
                         "not listening: expected error: \(expectedForUnbound), got \(foundForUnbound)")
    }

    static func singleUnnamedSocket(_ complaints: Complaints) async throws {
        let directory = try makeTemporaryDirectory(prefix: "sagad-listen")
        defer { removeFlatDirectory(directory) }
        let listener = try openSocket(SOCK_STREAM, listening: true, in: directory)
        let first = SocketActivation.firstDescriptor
        ChildScenario.setEnvironment(["LISTEN_FDS": "1", "LISTEN_PID": "\(getpid())", "LISTEN_FDNAMES": "api"])
        let expected: String
        if listener == first {
            expected = "fd \(first)"  // fd 3 was free, so the listener already sits there
        } else if fcntl(first, F_GETFD) < 0 {
            // fd 3 is free: hand the listener over there, as systemd does.
            guard dup2(listener, first) == first else { return complaints.add("dup2 to fd 3 failed: errno \(errno)") }
            expected = "fd \(first)"
        } else {
            // fd 3 is the runtime's (not a listener): choosing it must end in the error for fd 3.
            guard !SocketActivation.isListeningStreamSocket(first) else { return complaints.add("fd 3 is a listener") }
            expected = "error: \(SystemdError.notAListeningStreamSocket(fd: first, name: "api"))"
        }
        let found = outcome()
        complaints.check(found == expected, "expected \(expected), got \(found)")
    }

    /// Sets LISTEN_* for fds 3 … max(named), naming the given ones and calling the others
    /// "runtime"; holes in that range are filled with /dev/null so every passed fd is open.
    static func pass(_ named: [Int32: String]) throws -> [String] {
        let highest = named.keys.max() ?? SocketActivation.firstDescriptor
        while true {
            let filler = open("/dev/null", O_RDONLY | O_CLOEXEC)
            guard filler >= 0 else { throw TestSetupError.system("open /dev/null", errno) }
            if filler > highest {
                close(filler)
                break
            }
        }
        let names = (SocketActivation.firstDescriptor...highest).map { named[$0] ?? "runtime" }
        ChildScenario.setEnvironment([
            "LISTEN_FDS": "\(names.count)", "LISTEN_PID": "\(getpid())", "LISTEN_FDNAMES": names.joined(separator: ":"),
        ])
        return names
    }

    /// A Unix socket of `type`, bound in `directory` when given, listening when asked.
    static func openSocket(_ type: __socket_type, listening: Bool, in directory: String?) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(type.rawValue), 0)
        guard fd >= 0 else { throw TestSetupError.system("socket", errno) }
        if let directory, bindUnixSocket(fd, path: directory + "/s\(fd).sock") != 0 {
            throw TestSetupError.system("bind", errno)
        }
        if listening, listen(fd, 8) != 0 { throw TestSetupError.system("listen", errno) }
        return fd
    }
}

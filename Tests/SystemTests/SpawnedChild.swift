import Foundation

/// A child started with `posix_spawn` and reaped with `waitpid`, outside Foundation's `Process`.
///
/// Foundation learns that a child exited when the child closes a socket it inherited, and then
/// waits for it with a blocking `waitpid` on its single manager thread. A child that closes
/// that socket early — `systemd-socket-activate` closes every descriptor it does not pass on —
/// parks the manager thread until the child exits, and no other child's exit is seen meanwhile:
/// that hung the system tests once (every `sagactl` run looked alive for ever). Children
/// started through such wrappers are spawned here instead.
final class SpawnedChild: @unchecked Sendable {
    let pid: pid_t
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Spawns `command` with exactly `environment`, stdin from /dev/null, stdout and stderr
    /// appended to `outputPath`, and no other descriptor of the test process.
    /// With `resetSignals`, the child starts with no signal blocked and every signal at its
    /// default action, whatever the spawning thread had (tmux's server misbehaves otherwise).
    init(_ command: [String], environment: [String: String], outputPath: String, resetSignals: Bool = false) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        if resetSignals {
            var none = sigset_t()
            var all = sigset_t()
            sigemptyset(&none)
            sigfillset(&all)
            posix_spawnattr_setsigmask(&attributes, &none)
            posix_spawnattr_setsigdefault(&attributes, &all)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = command.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child = pid_t()
        // Under the launcher's lock, as Foundation's spawns are: the descriptors listed here are
        // all the test process has while this child starts.
        let result = ProcessLauncher.serialized {
            for descriptor in Self.openDescriptors() where descriptor > 2 {
                posix_spawn_file_actions_addclose(&actions, descriptor)
            }
            return posix_spawn(&child, command[0], &actions, &attributes, argv, envp)
        }
        guard result == 0 else { throw ChildDidNotExit(description: "posix_spawn \(command[0]): errno \(result)") }
        pid = child
    }

    /// The test process's open descriptors (glibc's `addclosefrom_np` is not visible to Swift).
    private static func openDescriptors() -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).compactMap { Int32($0) }
    }

    /// Reaps the child if it has exited; its status (exit code, or 128 + signal) once it has.
    private func poll() -> Int32? {
        lock.withLock {
            if let exitStatus { return exitStatus }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
            let signal = status & 0x7f
            exitStatus = signal == 0 ? (status >> 8) & 0xff : 128 + signal
            return exitStatus
        }
    }

    var isRunning: Bool { poll() == nil }

    func signal(_ number: Int32) {
        if isRunning { kill(pid, number) }
    }

    /// Waits (without blocking a thread) at most `timeout` for the child to exit.
    func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = poll() { return status }
            if ContinuousClock.now > deadline {
                throw ChildDidNotExit(description: "pid \(pid) did not exit within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// A child still running when the test ends is killed and reaped, never left behind.
    deinit {
        if poll() == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
    }
}

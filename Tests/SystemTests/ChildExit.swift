import Foundation

/// A child that did not exit in time (it was killed with SIGKILL then).
struct ChildDidNotExit: Error, CustomStringConvertible {
    var description: String
}

extension Process {
    /// Waits at most `timeout` for the process to exit. Past that it is killed with SIGKILL and
    /// this throws: no test waits unbounded on a child (Foundation's `waitUntilExit` would),
    /// so a child that hangs fails its test instead of stalling the whole run.
    func waitForExit(within timeout: Duration, _ what: @autoclosure () -> String) throws {
        if waitWhileRunning(for: timeout) { return }
        kill(processIdentifier, SIGKILL)
        _ = waitWhileRunning(for: .seconds(10))
        throw ChildDidNotExit(description: "\(what()) (pid \(processIdentifier)) did not exit within \(timeout); killed it")
    }

    /// The same bounded wait for async tests, polling with `Task.sleep` so no pooled thread is
    /// held while the child runs.
    func awaitExit(within timeout: Duration, _ what: @autoclosure () -> String) async throws {
        let deadline = ContinuousClock.now + timeout
        while isRunning, ContinuousClock.now <= deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        if isRunning { try waitForExit(within: .zero, what()) }
    }

    /// Polls until the process has exited or `timeout` passed; true when it exited.
    private func waitWhileRunning(for timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning {
            if ContinuousClock.now > deadline { return false }
            usleep(10_000)
        }
        return true
    }
}

import Synchronization

/// One named part of sagad's liveness (a service actor with its database, or the log). A check
/// that hangs cannot hang `/healthz` or the watchdog: callers stop waiting at their deadline
/// without awaiting it, and while it is still running later callers wait on that same check
/// instead of piling new ones behind a wedged actor or database.
final class LivenessComponent: Sendable {
    let name: String
    private let check: @Sendable () async throws -> Void
    private let inFlight = Mutex<Task<String, Never>?>(nil)

    init(_ name: String, check: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.check = check
    }

    /// "ok" when the check (this caller's or one already running) answered within `timeout`,
    /// otherwise why not.
    func status(within timeout: Duration) async -> String {
        let task = inFlight.withLock { current -> Task<String, Never> in
            if let current { return current }
            let task = Task { [check] in
                let outcome: String
                do {
                    try await check()
                    outcome = "ok"
                } catch {
                    outcome = "error: \(error)"
                }
                self.inFlight.withLock { $0 = nil }
                return outcome
            }
            current = task
            return task
        }
        return await Self.value(of: task, within: timeout) ?? "no answer within \(timeout)"
    }

    /// The task's value, or nil once `timeout` passed first; never waits past the deadline.
    private static func value(of task: Task<String, Never>, within timeout: Duration) async -> String? {
        let answer = FirstAnswer()
        return await withCheckedContinuation { continuation in
            answer.wait(with: continuation)
            Task { answer.give(await task.value) }
            Task {
                try? await Task.sleep(for: timeout)
                answer.give(nil)
            }
        }
    }
}

/// Resumes its one waiter with the first answer given; later answers are dropped.
private final class FirstAnswer: Sendable {
    private let waiter = Mutex<CheckedContinuation<String?, Never>?>(nil)

    func wait(with continuation: CheckedContinuation<String?, Never>) { waiter.withLock { $0 = continuation } }

    func give(_ answer: String?) {
        waiter.withLock { waiter in
            let first = waiter
            waiter = nil
            return first
        }?.resume(returning: answer)
    }
}

import Foundation

/// Starts child processes one at a time, always from the same long-lived thread.
/// - One at a time: Foundation's `Process.run()` on Linux has crashed (inside its spawn
///   preparation) when several tests launched processes at once.
/// - One thread: `setpriv --pdeathsig KILL` kills a daemon when the *thread* that launched it
///   ends, and the pooled threads async tests run on come and go; launched from one of them,
///   sagad was SIGKILLed mid-test now and then.
enum ProcessLauncher {
    /// One launch handed to the launcher thread; `done` is signalled once `process.run()` returned.
    private final class Job: @unchecked Sendable {
        let process: Process
        let done = DispatchSemaphore(value: 0)
        var failure: (any Error)?

        init(_ process: Process) { self.process = process }
    }

    private nonisolated(unsafe) static var pending: [Job] = []
    private static let condition = NSCondition()
    /// Started on first use; runs for the life of the test process.
    private static let started: Bool = {
        let thread = Thread {
            while true {
                condition.lock()
                while pending.isEmpty { condition.wait() }
                let job = pending.removeFirst()
                condition.unlock()
                do { try job.process.run() } catch { job.failure = error }
                job.done.signal()
            }
        }
        thread.name = "process-launcher"
        thread.start()
        return true
    }()

    static func run(_ process: Process) throws {
        _ = started
        let job = Job(process)
        condition.lock()
        pending.append(job)
        condition.signal()
        condition.unlock()
        job.done.wait()
        if let failure = job.failure { throw failure }
    }
}

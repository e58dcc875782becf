import Foundation
import Synchronization
import Testing

/// System tests wait with plain blocking calls: long polls, sockets, child processes. On the
/// shared cooperative pool, which is as wide as the machine has cores (2 in CI), two such waits
/// starve every other test in the run: a `Task.sleep` elsewhere resumed 30 s late, and daemons
/// that had long been ready were reported as never ready. Each system test therefore runs on
/// this wide pool of its own threads, where a blocked wait holds one thread of many.
final class BlockingCallExecutor: TaskExecutor, Sendable {
    static let shared = BlockingCallExecutor(threads: 64)

    private struct Queue: ~Copyable {
        var jobs: [UnownedJob] = []
        var next = 0
    }

    private let queue = Mutex(Queue())
    private let wakeUp = NSCondition()

    private init(threads: Int) {
        for index in 0..<threads {
            let thread = Thread { [self] in runJobs() }
            thread.name = "system-test-\(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        wakeUp.lock()
        queue.withLock { $0.jobs.append(job) }
        wakeUp.signal()
        wakeUp.unlock()
    }

    private func takeJob() -> UnownedJob? {
        queue.withLock { queue in
            guard queue.next < queue.jobs.count else { return nil }
            let job = queue.jobs[queue.next]
            queue.next += 1
            if queue.next == queue.jobs.count {
                queue.jobs.removeAll(keepingCapacity: true)
                queue.next = 0
            }
            return job
        }
    }

    private func runJobs() {
        while true {
            wakeUp.lock()
            var job = takeJob()
            while job == nil {
                wakeUp.wait()
                job = takeJob()
            }
            wakeUp.unlock()
            job?.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}

/// Runs each test of a suite on `BlockingCallExecutor` (see there why).
struct BlockingCallsTrait: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(BlockingCallExecutor.shared) {
            try await function()
        }
    }
}

extension Trait where Self == BlockingCallsTrait {
    /// The test waits with blocking calls: run it on threads of its own.
    static var blockingCalls: Self { BlockingCallsTrait() }
}

import Foundation
import Synchronization

/// One thread of a service's own, on which its consumer, relay and background work run (as a
/// task executor preference) and commit their SQLite transactions synchronously.
///
/// On Swift's cooperative pool no thread may block on the disk, so every commit was a hop to
/// the database's writer queue and back, and every hop is a context switch (~11 µs of CPU on
/// these VMs, more than the commit's own work). Here the queued writes are committed in place
/// once the thread has nothing else to run (`whenIdle`, used by `GroupCommit`), and the jobs the
/// service's tasks hand each other (the consumer waking the relay, say) run one after another
/// without waking anybody.
public final class ServiceThread: TaskExecutor, Sendable {
    private struct Queue: ~Copyable {
        var jobs: [UnownedJob] = []
        var next = 0
        /// What runs once no job is left (see `whenIdle`).
        var idleWork: [@Sendable () -> Void] = []
        /// Jobs run since `idleWork` became non-empty: past `idleWorkPatience`, it runs even
        /// though jobs keep coming (a commit must not wait forever on a busy thread).
        var jobsWhileIdleWorkWaits = 0
        var sleeping = false
        var stopping = false
    }

    private let queue = Mutex(Queue())
    private let wakeUp = NSCondition()
    public let name: String

    /// Starts the thread, named `name` (as `ps -L`, `top -H` and `perf` show it; Linux keeps
    /// the first 15 bytes).
    public init(name: String) {
        self.name = name
        Thread { [self] in
            // Named from the thread itself: Foundation's `Thread.name` did not reach the kernel,
            // and every service thread showed up as the dispatch worker that started it.
            Self.nameCurrentThread(name)
            runJobs()
        }.start()
    }

    /// The longest thread name Linux keeps (16 bytes with the terminating zero).
    static let maximumNameBytes = 15

    // glibc declares these only under _GNU_SOURCE, which Swift's Glibc module leaves out:
    // they are looked up by name (as `MemoryTrim` looks up `mallopt`).
    private typealias SetName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
    private typealias GetName = @convention(c) (pthread_t, UnsafeMutablePointer<CChar>, Int) -> Int32

    /// Names the calling thread `name`, cut to the bytes Linux keeps (longer names are refused).
    static func nameCurrentThread(_ name: String) {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_setname_np") else { return }
        let kept = String(decoding: name.utf8.prefix(maximumNameBytes), as: UTF8.self)
        _ = unsafeBitCast(symbol, to: SetName.self)(pthread_self(), kept)
    }

    /// The calling thread's name as the kernel has it (empty if it cannot be read).
    static var currentThreadName: String {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_getname_np") else { return "" }
        var buffer = [CChar](repeating: 0, count: 64)
        _ = unsafeBitCast(symbol, to: GetName.self)(pthread_self(), &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The service thread the caller runs on, if it runs on one: there, waiting for the disk
    /// blocks only that service, never the cooperative pool.
    public static var current: ServiceThread? {
        pthread_getspecific(marker.key).map { Unmanaged<ServiceThread>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Runs `work` on this thread as soon as it has no job left to run: after everything that
    /// is runnable now had its turn (and, say, queued its write for the same commit), or after
    /// `idleWorkPatience` jobs if they never stop coming. From any thread; false (and `work`
    /// will not run) once the thread is stopping.
    @discardableResult
    public func whenIdle(_ work: @escaping @Sendable () -> Void) -> Bool {
        let (accepted, wasSleeping) = queue.withLock { queue -> (Bool, Bool) in
            guard !queue.stopping else { return (false, false) }
            queue.idleWork.append(work)
            defer { queue.sleeping = false }
            return (true, queue.sleeping)
        }
        if wasSleeping { signal() }
        return accepted
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let (accepted, wasSleeping) = queue.withLock { queue -> (Bool, Bool) in
            guard !queue.stopping else { return (false, false) }
            queue.jobs.append(job)
            defer { queue.sleeping = false }
            return (true, queue.sleeping)
        }
        guard accepted else {
            // Stopped: whatever still prefers this executor runs on the shared pool.
            globalConcurrentExecutor.enqueue(job)
            return
        }
        // Only a sleeping thread needs the signal (and its lock): a busy one finds the job
        // when it looks for the next.
        if wasSleeping { signal() }
    }

    /// Wakes the thread (under `wakeUp`'s lock, so that a thread about to wait gets it).
    private func signal() {
        wakeUp.lock()
        wakeUp.signal()
        wakeUp.unlock()
    }

    /// Lets the thread end once it ran every job already queued; jobs enqueued from now on
    /// run on the shared pool.
    public func stop() {
        queue.withLock { $0.stopping = true }
        signal()
    }

    /// How many jobs idle work lets run before it: enough for a burst of tasks to join one
    /// commit, few enough that a steady stream of jobs cannot hold a commit back.
    static let idleWorkPatience = 256

    private enum Next {
        case run(UnownedJob)
        case idle([@Sendable () -> Void])
        case sleep
        case end
    }

    /// The next job; or, with none queued, `sleep` (having marked the thread asleep, so that an
    /// `enqueue` from now on signals) or `end` once stopped. Called under `wakeUp`'s lock when
    /// it may sleep, so that the signal comes after the thread is in `wait`.
    private func next(mayMarkSleeping: Bool) -> Next {
        queue.withLock { queue in
            let hasJob = queue.next < queue.jobs.count
            if !queue.idleWork.isEmpty {
                if hasJob && queue.jobsWhileIdleWorkWaits < Self.idleWorkPatience {
                    queue.jobsWhileIdleWorkWaits += 1
                } else {
                    defer {
                        queue.idleWork.removeAll()
                        queue.jobsWhileIdleWorkWaits = 0
                    }
                    return .idle(queue.idleWork)
                }
            }
            guard hasJob else {
                if queue.stopping { return .end }
                if mayMarkSleeping { queue.sleeping = true }
                return .sleep
            }
            let job = queue.jobs[queue.next]
            queue.next += 1
            if queue.next == queue.jobs.count {
                queue.jobs.removeAll(keepingCapacity: true)
                queue.next = 0
            }
            queue.sleeping = false
            return .run(job)
        }
    }

    private func runJobs() {
        pthread_setspecific(Self.marker.key, Unmanaged.passUnretained(self).toOpaque())
        while true {
            var step = next(mayMarkSleeping: false)
            if case .sleep = step {
                wakeUp.lock()
                step = next(mayMarkSleeping: true)
                while case .sleep = step {
                    wakeUp.wait()
                    step = next(mayMarkSleeping: true)
                }
                wakeUp.unlock()
            }
            switch step {
            case .run(let job): job.runSynchronously(on: asUnownedTaskExecutor())
            case .idle(let work): for item in work { item() }
            case .end: return
            case .sleep: break
            }
        }
    }

    /// The thread-specific key that marks service threads.
    private final class Marker: Sendable {
        nonisolated(unsafe) var key = pthread_key_t()
        init() { pthread_key_create(&key, nil) }
    }

    private static let marker = Marker()
}

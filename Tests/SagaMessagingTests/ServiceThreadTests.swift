import Foundation
import GRDB
import Synchronization
import Testing
@testable import SagaMessaging

/// What the jobs of a test saw, in the order they ran.
private final class Events: Sendable {
    private let list = Mutex<[String]>([])
    func append(_ event: String) { list.withLock { $0.append(event) } }
    var all: [String] { list.withLock { $0 } }
}

/// A stream of jobs on a thread, each queueing the next until told to stop (or 10,000 ran).
private final class JobChain: Sendable {
    private let run = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    let thread: ServiceThread
    init(thread: ServiceThread) { self.thread = thread }
    var jobsRun: Int { run.load(ordering: .relaxed) }
    func stop() { stopped.store(true, ordering: .relaxed) }
    func next() {
        let count = run.add(1, ordering: .relaxed).newValue
        guard !stopped.load(ordering: .relaxed), count < 10_000 else { return }
        Task(executorPreference: thread) { self.next() }
    }
}

/// A service's own thread: what prefers it runs on it, idle work waits for the runnable jobs
/// (but not forever), and a stopped thread hands later jobs to the shared pool.
@Suite struct ServiceThreadTests {
    @Test func theThreadCarriesItsNameAsTheKernelShowsIt() async {
        for (name, shown) in [("svc-order", "svc-order"), ("a-name-longer-than-fifteen", "a-name-longer-t")] {
            let thread = ServiceThread(name: name)
            let seen = await withTaskExecutorPreference(thread) {
                await Task(executorPreference: thread) { ServiceThread.currentThreadName }.value
            }
            thread.stop()
            #expect(seen == shown)
        }
    }

    @Test func tasksPreferringTheThreadRunOnItAndKnowIt() async {
        let thread = ServiceThread(name: "test-service")
        defer { thread.stop() }
        #expect(ServiceThread.current == nil)
        let seen = await withTaskExecutorPreference(thread) {
            await withTaskGroup(of: ServiceThread?.self) { group in
                for _ in 0..<4 { group.addTask { ServiceThread.current } }
                return await group.reduce(into: [ServiceThread?]()) { $0.append($1) }
            }
        }
        #expect(seen.count == 4)
        #expect(seen.allSatisfy { $0 === thread })
    }

    @Test func idleWorkRunsAfterTheJobsThatWereRunnable() async {
        let thread = ServiceThread(name: "test-service")
        defer { thread.stop() }
        let events = Events()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Task(executorPreference: thread) {
                thread.whenIdle {
                    events.append("idle")
                    done.resume()
                }
                for n in 0..<10 {
                    Task(executorPreference: thread) { events.append("job \(n)") }
                }
            }
        }
        let order = events.all
        #expect(order.count == 11)
        #expect(order.last == "idle")
    }

    @Test func idleWorkDoesNotWaitForeverBehindAStreamOfJobs() async {
        let thread = ServiceThread(name: "test-service")
        defer { thread.stop() }
        let chain = JobChain(thread: thread)
        let jobsBeforeIdle = await withCheckedContinuation { (done: CheckedContinuation<Int, Never>) in
            Task(executorPreference: thread) {
                thread.whenIdle {
                    chain.stop()
                    done.resume(returning: chain.jobsRun)
                }
                chain.next()
            }
        }
        #expect(jobsBeforeIdle <= ServiceThread.idleWorkPatience + 2, "idle work waited for \(jobsBeforeIdle) jobs")
    }

    @Test func aStoppedThreadHandsLaterJobsToTheSharedPool() async {
        let thread = ServiceThread(name: "test-service")
        let before = await Task(executorPreference: thread) { ServiceThread.current }.value
        #expect(before === thread)
        thread.stop()
        let after = await Task(executorPreference: thread) { ServiceThread.current }.value
        #expect(after == nil)
    }

    /// A database with one table, `rows`, in a directory of its own.
    func openDatabase(_ directory: String) throws -> DatabasePool {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("rows") { db in try db.execute(sql: "CREATE TABLE rows (n INTEGER PRIMARY KEY)") }
        return try ServiceDatabase.open(path: directory + "/db.sqlite", migrator: migrator)
    }

    @Test func writesFromElsewhereAreCommittedOnTheHomeThreadUntilItStops() async throws {
        let directory = NSTemporaryDirectory() + "service-thread-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = GroupCommit(database: try openDatabase(directory))
        let thread = ServiceThread(name: "test-service")
        writer.commit(on: thread)
        #expect(ServiceThread.current == nil)
        let committedOn = try await writer.write { db in
            try db.execute(sql: "INSERT INTO rows VALUES (1)")
            return ServiceThread.current
        }
        #expect(committedOn === thread)
        // A stopped home thread takes no more commits: the writer queue does them.
        thread.stop()
        let afterStop = try await writer.write { db in
            try db.execute(sql: "INSERT INTO rows VALUES (2)")
            return ServiceThread.current
        }
        #expect(afterStop == nil)
    }

    @Test func writesOfTheThreadsTasksShareOneCommitMadeOnTheThread() async throws {
        let directory = NSTemporaryDirectory() + "service-thread-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try openDatabase(directory)
        let commits = CommitCounter()
        database.add(transactionObserver: commits, extent: .databaseLifetime)
        let writer = GroupCommit(database: database)
        let thread = ServiceThread(name: "test-service")
        defer { thread.stop() }
        let ranOn = try await withTaskExecutorPreference(thread) {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for n in 0..<50 {
                    group.addTask {
                        try await writer.write { db in
                            try db.execute(sql: "INSERT INTO rows VALUES (?)", arguments: [n])
                            return ServiceThread.current === thread
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
        }
        #expect(ranOn.count == 50)
        #expect(ranOn.allSatisfy { $0 }, "every write ran on the service thread")
        #expect(commits.commits == 1)
        #expect(try await database.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM rows") } == 50)
    }
}

import GRDB
import Synchronization

/// Group commit at a service database, as the log's writer does it for appends: writes that
/// arrive while a transaction is being committed wait and then share the next one, so a burst
/// of concurrent writers (orders placed, consumer batches, relay deletes, fulfillment
/// outcomes) costs one commit and one WAL sync instead of one each. Every write still returns
/// only after its transaction committed (`synchronous = FULL`): durability is unchanged.
///
/// When a transaction holds several writes, each runs in its own savepoint, so one that
/// throws is rolled back alone and its caller gets its error; the others commit. If the
/// commit itself fails, every write of that transaction gets the error.
public final class GroupCommit: Sendable {
    private typealias Job = GroupCommitQueue<Database>.Job
    private typealias Outcome = GroupCommitQueue<Database>.Outcome

    /// The most writes one transaction takes; more wait for the next.
    public static let maxWritesPerTransaction = 1024

    public let database: DatabasePool
    private let queue = GroupCommitQueue<Database>()
    /// The thread of the service that owns the database, while it runs: writes made elsewhere
    /// (an order placed through the API) are committed there too, with the service's own.
    private let home = Mutex<ServiceThread?>(nil)

    public init(database: DatabasePool) { self.database = database }

    /// Writes waiting for the next transaction (tests wait on it instead of sleeping).
    var queuedWrites: Int { queue.count }

    /// Runs `body` in the next shared write transaction and returns its result once that
    /// transaction committed. A write that is not `durable` (a relay's delete of rows already
    /// appended: lost to a power loss, they are appended again and dropped by the inboxes) does
    /// not make its transaction sync the WAL; a later durable commit syncs it with its own.
    /// - Throws: what `body` threw (its changes are rolled back), or the commit's error.
    public func write<T: Sendable>(durable: Bool = true, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await queue.write(durable: durable, body, startRun: scheduleRun)
    }

    /// On a service's own thread (see ``ServiceThread``) the queued writes are committed there,
    /// once the thread has nothing else to run (so that every write its runnable tasks were
    /// about to make joins): a blocking commit holds up only this service, where a hop to the
    /// writer queue and back cost two context switches per transaction.
    private func commitInPlace() {
        database.writeWithoutTransaction { db in commit(takeQueued(), in: db) }
        if hasMoreAfterRun() { scheduleRun() }
    }

    /// Commits on `thread` from now on (nil: on the writer queue), where writes made on other
    /// threads join the service's own commits; `ServiceHost.run` sets it for its run.
    public func commit(on thread: ServiceThread?) { home.withLock { $0 = thread } }

    /// Starts the next transaction: in place on the calling service thread, else on the
    /// database's home thread, else (or once that thread stops) on the writer queue.
    private func scheduleRun() {
        if let thread = ServiceThread.current ?? home.withLock({ $0 }), thread.whenIdle({ self.commitInPlace() }) { return }
        commitNext()
    }

    /// The writes for the next transaction, in the order they came.
    private func takeQueued() -> [Job] { queue.take(atMost: Self.maxWritesPerTransaction) }

    /// Runs the queued writes in one transaction on the database's writer queue (no thread of
    /// the cooperative pool waits for it), taking them only when the writer is free so that
    /// everything that queued meanwhile joins; repeats while more arrive.
    private func commitNext() {
        database.asyncWriteWithoutTransaction { [self] db in
            commit(takeQueued(), in: db)
            if hasMoreAfterRun() { commitNext() }
        }
    }

    /// After a transaction: whether writes queued meanwhile (then the run goes on).
    private func hasMoreAfterRun() -> Bool { queue.continuesRun() }

    /// Runs `jobs` in one transaction on `db` (the writer's connection) and tells each its
    /// outcome once the commit is known.
    private func commit(_ jobs: [Job], in db: Database) {
        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(jobs.count)
        let started = ContinuousClock.now
        // A transaction of reads only (an idle relay's) commits nothing: it is not counted.
        let changesBefore = db.totalChangesCount
        // WAL frames are synced in order: a commit without its own sync is made durable by
        // the next one that syncs (or lost whole to a power loss, never in part).
        let syncs = jobs.contains(where: \.durable)
        if !syncs { try? db.run("PRAGMA synchronous = NORMAL") }
        defer { if !syncs { try? db.run("PRAGMA synchronous = FULL") } }
        do {
            try db.inTransaction {
                if jobs.count == 1 {
                    // Alone: no savepoint; a throw rolls the whole transaction back, which is the same.
                    let outcome = jobs[0].run(db)
                    outcomes.append(outcome)
                    return outcome.threw ? .rollback : .commit
                }
                for job in jobs {
                    // SQLite rolls a whole transaction back on some errors (a full disk, I/O). A
                    // savepoint opened after that would start a transaction of its own, which its
                    // release would commit: the group fails instead, every write in it.
                    guard db.isInsideTransaction else {
                        throw DatabaseError(resultCode: .SQLITE_ABORT, message: "SQLite rolled the group's transaction back")
                    }
                    var outcome: Outcome?
                    do {
                        // GRDB's `inSavepoint` prepares these three statements anew every time.
                        try db.run("SAVEPOINT write")
                        let result = job.run(db)
                        outcome = result
                        if result.threw { try db.run("ROLLBACK TO SAVEPOINT write") }
                        try db.run("RELEASE SAVEPOINT write")
                    } catch {
                        // The savepoint itself failed: the write cannot be trusted to have happened.
                        outcome = Outcome(deliver: { job.fail(error) }, threw: true)
                    }
                    outcomes.append(outcome!)
                }
                return .commit
            }
            // Counted as the commits that synced: a lone write that threw rolled back.
            let keptChanges = (jobs.count > 1 || outcomes.first?.threw == false) && db.totalChangesCount != changesBefore
            SagaMetrics.databaseCommitted(database.path, since: started, committed: syncs && keptChanges)
            for outcome in outcomes { outcome.deliver() }
        } catch {
            for job in jobs { job.fail(error) }
        }
    }
}

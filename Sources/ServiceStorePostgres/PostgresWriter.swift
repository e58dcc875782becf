import Logging
import SagaMessaging

/// A service's writes to PostgreSQL, group-committed on a thread of the service's own
/// (`ServiceThread`) through one `PostgresSession`: the `ServiceWriter` its consumer applies
/// event batches through, as `GroupCommit` is on SQLite. Writes that arrive while a transaction
/// runs wait and share the next one, each in a savepoint of its own: one that throws is rolled
/// back alone and its caller gets its error, the others commit. If the transaction fails
/// (the commit, the connection), every write in it gets the error. A write returns only after
/// its transaction committed.
public final class PostgresWriter: ServiceWriter {
    public typealias Session = PostgresSession

    /// The session, used only on `thread`.
    private final class SessionBox: @unchecked Sendable {
        let session: PostgresSession
        init(_ session: PostgresSession) { self.session = session }
    }

    private typealias Job = GroupCommitQueue<PostgresSession>.Job
    private typealias Outcome = GroupCommitQueue<PostgresSession>.Outcome

    /// The most writes one transaction takes; more wait for the next.
    public static let maxWritesPerTransaction = 256

    private let box: SessionBox
    private let thread: ServiceThread
    private let queue = GroupCommitQueue<PostgresSession>()
    /// Taken first by every transaction that writes: one instance's writer at a time changes a
    /// service's rows (see `commit`).
    private let turnLock: String

    /// Opens a session on `store` in `schema` (migrated beforehand) and a thread named
    /// `threadName` (as `ps -L` shows it) for its writes; no call waits longer than
    /// `answerTimeout` for the server (see `PostgresSession`).
    public init(
        store: PostgresStore, schema: PostgresServiceSchema, threadName: String, answerTimeout: Duration = .seconds(30),
        logger: Logger
    ) async throws {
        turnLock = "SELECT pg_advisory_xact_lock(hashtextextended('\(Self.turnKey(schema.name))', 0))"
        box = SessionBox(try await PostgresSession.open(store, schema: schema, answerTimeout: answerTimeout, logger: logger))
        thread = ServiceThread(name: threadName)
    }

    /// Runs `body` in the next shared transaction and returns its result once that committed.
    /// A write that is not `durable` (a relay's deletes) lets a transaction of such writes
    /// alone commit without waiting for the server's WAL flush (`synchronous_commit` off).
    /// - Throws: what `body` threw (its changes are rolled back), or the transaction's error.
    public func write<T: Sendable>(durable: Bool, _ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        try await queue.write(durable: durable, body, startRun: scheduleRun)
    }

    /// Commits the queued writes on the thread once it has nothing else to run, so that every
    /// write its runnable tasks were about to make joins; once the thread has stopped, the
    /// writes still queued fail.
    private func scheduleRun() {
        if !thread.whenIdle({ self.commitQueued() }) {
            for job in queue.abandon() { job.fail(PostgresStoreError.writerClosed) }
        }
    }

    private func commitQueued() {
        commit(queue.take(atMost: Self.maxWritesPerTransaction), in: box.session)
        if queue.continuesRun() { scheduleRun() }
    }

    /// Thrown inside the transaction to roll back a lone write that threw.
    private struct RolledBack: Error {}

    /// Runs `jobs` in one transaction and tells each its outcome once the commit is known.
    private func commit(_ jobs: [Job], in session: PostgresSession) {
        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(jobs.count)
        do {
            try session.transaction { db in
                // The writers of one service on every instance take turns, one transaction at a
                // time: each batch mixes many writes, and two batches locking the same rows
                // (an account, the in-flight count) in another order would deadlock, which the
                // server detects only after a second. Reads, alone, take no turn.
                if jobs.contains(where: \.durable) {
                    try db.run(turnLock)
                } else {
                    try db.run("SET LOCAL synchronous_commit TO OFF")
                }
                if jobs.count == 1 {
                    // Alone: no savepoint; a throw rolls the whole transaction back, which is the same.
                    let outcome = jobs[0].run(db)
                    outcomes.append(outcome)
                    if outcome.threw { throw RolledBack() }
                    return
                }
                for job in jobs {
                    try db.run("SAVEPOINT write")
                    let outcome = job.run(db)
                    if outcome.threw { try db.run("ROLLBACK TO SAVEPOINT write") }
                    try db.run("RELEASE SAVEPOINT write")
                    outcomes.append(outcome)
                }
            }
        } catch is RolledBack {
            // The lone write's own error, delivered below.
        } catch {
            for job in jobs { job.fail(error) }
            return
        }
        for outcome in outcomes { outcome.deliver() }
    }

    /// The server or the way to it failing, not the statement
    /// (``PostgresStoreError/isPassingFault``).
    public func isTransient(_ error: any Error) -> Bool {
        (error as? PostgresStoreError)?.isPassingFault ?? false
    }

    /// Stops the thread (writes queued from now on fail) and closes the session.
    public func close() async {
        thread.stop()
        await box.session.close()
    }

    /// The text whose hash keys the turn of `schema`'s writers (distinct from the relay's and
    /// the migrations' locks).
    static func turnKey(_ schema: String) -> String { "sagad writer \(schema)" }
}

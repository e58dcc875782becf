import Logging
import SagaMessaging

/// A service's writes to PostgreSQL, one transaction each, on a thread of the service's own
/// (`ServiceThread`) through one `PostgresSession`: the `ServiceWriter` its consumer applies
/// event batches through, as `GroupCommit` is on SQLite. Writes from several tasks queue on the
/// thread and run one after another.
public final class PostgresWriter: ServiceWriter {
    public typealias Session = PostgresSession

    /// The session, used only on `thread`.
    private final class SessionBox: @unchecked Sendable {
        let session: PostgresSession
        init(_ session: PostgresSession) { self.session = session }
    }

    private let box: SessionBox
    private let thread: ServiceThread

    /// Opens a session on `store` in `schema` (migrated beforehand) and a thread named
    /// `threadName` (as `ps -L` shows it) for its writes.
    public init(store: PostgresStore, schema: PostgresServiceSchema, threadName: String, logger: Logger) async throws {
        box = SessionBox(try await PostgresSession.open(store, schema: schema, logger: logger))
        thread = ServiceThread(name: threadName)
    }

    public func write<T: Sendable>(durable: Bool, _ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        let box = self.box
        return try await withTaskExecutorPreference(thread) {
            try box.session.transaction { db in
                // Safe to lose (a relay's deletes): the commit does not wait for the server's WAL flush.
                if !durable { try db.run("SET LOCAL synchronous_commit TO OFF") }
                return try body(db)
            }
        }
    }

    /// The server or the way to it failing, not the statement: no SQLSTATE (the connection
    /// closed, it could not be made), or a class that says so — connection exceptions (08),
    /// insufficient resources (53), operator intervention such as a shutdown (57), and a
    /// serialization failure or deadlock (40001, 40P01), which a retry resolves.
    public func isTransient(_ error: any Error) -> Bool {
        guard case PostgresStoreError.statementFailed(_, _, let state) = error else { return false }
        guard let state else { return true }
        return ["08", "53", "57"].contains(String(state.prefix(2))) || state == "40001" || state == "40P01"
    }

    /// Stops the thread and closes the session.
    public func close() async {
        thread.stop()
        await box.session.close()
    }
}

import Foundation
import GRDB
import Logging
import Synchronization

/// Copies a service database's committed pages from its WAL into the database file, on a
/// thread and a connection of its own, while the service runs.
///
/// SQLite's automatic checkpoint runs in the connection that commits past 1,000 WAL pages:
/// the service's own thread, which then reads those pages back, writes them into the database
/// file and syncs it before it can run its next job. That thread is the one every order's
/// steps go through one at a time, so each checkpoint stalled the whole saga for its length.
/// A passive checkpoint from another connection takes no write lock; the service's commits go
/// on beside it, and when the writer's own checkpoint comes due, little is left for it to copy.
///
/// The writer keeps its automatic checkpoint: only a checkpoint that ends with every frame
/// copied, followed by the next write, starts the WAL over from its beginning. Left to this
/// thread alone, under steady writes that moment never came, and the WAL grew to tens of MB
/// and made every later page lookup slower (a 1M-order run fell to 80% of its first rate).
public final class WALCheckpointer: Sendable {
    /// The database file, for the log.
    private let path: String
    private let connection: DatabaseQueue
    private let interval: Duration
    private let logger: Logger
    private let state = Mutex(State())
    private let wakeUp = NSCondition()

    private struct State {
        var stopping = false
        var finished = false
        /// Who awaits the end of the thread (`stop`).
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Starts checkpointing `database` every `interval` on a thread named `name`.
    /// - Throws: GRDB's error when the second connection cannot be opened.
    public init(database: DatabasePool, name: String, interval: Duration = .milliseconds(200), logger: Logger) throws {
        path = database.path
        self.interval = interval
        self.logger = logger
        var configuration = Configuration()
        configuration.label = name
        connection = try DatabaseQueue(path: database.path, configuration: configuration)
        Thread { [self] in
            ServiceThread.nameCurrentThread(name)
            run()
        }.start()
    }

    /// Stops the thread once a checkpoint under way is done, and returns when it has ended.
    public func stop() async {
        await withCheckedContinuation { continuation in
            let finished = state.withLock { state in
                state.stopping = true
                if !state.finished { state.waiters.append(continuation) }
                return state.finished
            }
            if finished { return continuation.resume() }
            wakeUp.lock()
            wakeUp.signal()
            wakeUp.unlock()
        }
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    private func run() {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        while true {
            wakeUp.lock()
            if !isStopping { _ = wakeUp.wait(until: Date(timeIntervalSinceNow: seconds)) }
            wakeUp.unlock()
            if isStopping { break }
            do {
                try connection.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                // The writer's own checkpoint is running: it copies what this one would have.
                continue
            } catch {
                // Not fatal: the writer's own automatic checkpoint still bounds the WAL.
                logger.warning("WAL checkpoint failed", metadata: ["database": "\(path)", "error": "\(error)"])
            }
        }
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

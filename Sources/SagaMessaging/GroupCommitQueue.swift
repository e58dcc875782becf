import Synchronization

/// The waiting room of a group commit, whatever the store: writes queue here while a shared
/// transaction runs, the next run takes them in arrival order, and each caller is answered
/// only once its transaction's fate is known. `GroupCommit` (SQLite) and ServiceStorePostgres's
/// `PostgresWriter` run the transactions; this keeps the queue, the run flag and the
/// continuations, so that both answer their callers the same way.
public final class GroupCommitQueue<Session>: Sendable {
    /// One queued write: runs inside the shared transaction and returns what to tell its
    /// caller once the commit is known; `fail` tells it the transaction failed.
    public struct Job: Sendable {
        public let run: @Sendable (Session) -> Outcome
        public let fail: @Sendable (any Error) -> Void
        /// Whether a power loss may not take the write back once it returned.
        public let durable: Bool
    }

    /// A write's own result, delivered only after the commit succeeded.
    public struct Outcome: Sendable {
        public let deliver: @Sendable () -> Void
        /// Whether the write itself threw (then it was rolled back and delivers its error).
        public let threw: Bool

        public init(deliver: @escaping @Sendable () -> Void, threw: Bool) {
            self.deliver = deliver
            self.threw = threw
        }
    }

    private struct State {
        var queued: [Job] = []
        var running = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Writes waiting for the next transaction.
    public var count: Int { state.withLock { $0.queued.count } }

    /// Queues `body` and returns its result once its transaction committed; calls `startRun`
    /// (at most once, synchronously) when no run was going, to start one.
    /// - Throws: what `body` threw (its changes are rolled back), or the transaction's error.
    public func write<T: Sendable>(
        durable: Bool, _ body: @escaping @Sendable (Session) throws -> T, startRun: () -> Void
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job = Job(
                run: { session in
                    do {
                        let value = try body(session)
                        return Outcome(deliver: { continuation.resume(returning: value) }, threw: false)
                    } catch {
                        return Outcome(deliver: { continuation.resume(throwing: error) }, threw: true)
                    }
                },
                fail: { continuation.resume(throwing: $0) },
                durable: durable)
            let start = state.withLock { state -> Bool in
                state.queued.append(job)
                guard !state.running else { return false }
                state.running = true
                return true
            }
            if start { startRun() }
        }
    }

    /// The writes for the next transaction, at most `limit`, in the order they came.
    public func take(atMost limit: Int) -> [Job] {
        state.withLock { state in
            let count = min(state.queued.count, limit)
            defer { state.queued.removeFirst(count) }
            return Array(state.queued.prefix(count))
        }
    }

    /// After a transaction: whether writes queued meanwhile (then the run goes on), else the
    /// run ends.
    public func continuesRun() -> Bool {
        state.withLock { state in
            if state.queued.isEmpty { state.running = false }
            return state.running
        }
    }

    /// Ends the run and hands back every queued write (to fail them: nothing will run them).
    public func abandon() -> [Job] {
        state.withLock { state in
            defer { state.queued.removeAll() }
            state.running = false
            return state.queued
        }
    }
}

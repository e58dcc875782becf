import GRDB
import Metrics

extension ServiceHost {
    /// Ends every item past its deadline, `batch` per transaction through the writer, until a
    /// batch comes back short: `due(db, limit)` lists up to `limit` of them (one indexed range),
    /// `end(db, id)` ends one with its outbox event (false when it no longer applies). A read
    /// looks first, so a tick with nothing due writes nothing. Counts each ended item in
    /// `sagad_order_timeouts_total{step}`, wakes the relay, and returns the ids it ended.
    /// - Throws: the database's error; what was committed before it stays ended.
    public func endOverdue(
        step: String, batch: Int,
        due: @escaping @Sendable (Database, Int) throws -> [String],
        end: @escaping @Sendable (Database, String) throws -> Bool
    ) async throws -> [String] {
        var ended: [String] = []
        while try await !database.read({ db in try due(db, 1) }).isEmpty {
            let done = try await writer.write { db in try due(db, batch).filter { try end(db, $0) } }
            guard !done.isEmpty else { break }
            ended += done
            Counter(label: SagaMetrics.orderTimeouts, dimensions: [("step", step)]).increment(by: done.count)
            relay.wake()
            if done.count < batch { break }
        }
        return ended
    }
}

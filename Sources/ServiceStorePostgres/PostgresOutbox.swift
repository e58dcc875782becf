import Logging
import PostgresNIO

/// A service's transactional outbox in PostgreSQL (`<schema>.outbox`, created by the
/// "create outbox" steps): rows written in the transaction of the state change that causes
/// them, relayed to the log by ``PostgresOutboxRelay``.
public enum PostgresOutbox {
    /// One outbox row as stored.
    public struct Row: Sendable, Equatable {
        /// Insertion order (BIGSERIAL): assigned at insert, so rows may become visible out of it.
        public var seq: Int64
        public var eventID: String
        public var topic: String
        /// The log record's key (the order id); nil only in rows from before "outbox record key".
        public var recordKey: String?
        /// The log record's value, encoded once on the way in.
        public var payload: [UInt8]
        public var traceparent: String?

        public init(seq: Int64 = 0, eventID: String, topic: String, recordKey: String?, payload: [UInt8], traceparent: String? = nil) {
            self.seq = seq
            self.eventID = eventID
            self.topic = topic
            self.recordKey = recordKey
            self.payload = payload
            self.traceparent = traceparent
        }
    }

    /// Queues `row` (its `seq` is ignored) in `schema`'s outbox, inside the caller's transaction
    /// on `connection`: it becomes visible to the relay when that transaction commits.
    public static func enqueue(_ row: Row, schema: PostgresServiceSchema, createdAtMillis: Int64,
                               on connection: PostgresConnection, logger: Logger) async throws {
        var binds = PostgresBindings()
        binds.append(row.eventID)
        binds.append(row.topic)
        binds.append(row.recordKey)
        binds.append(ByteBuffer(bytes: row.payload))
        binds.append(createdAtMillis)
        binds.append(row.traceparent)
        try await connection.query(PostgresQuery(unsafeSQL: """
            INSERT INTO \(schema.name).outbox (event_id, topic, record_key, payload, created_at, traceparent)
            VALUES ($1, $2, $3, $4, $5, $6)
            """, binds: binds), logger: logger)
    }

    /// The oldest `limit` rows, in `seq` order.
    static func oldest(_ limit: Int, schema: PostgresServiceSchema, on connection: PostgresConnection, logger: Logger) async throws -> [Row] {
        var binds = PostgresBindings()
        binds.append(Int64(limit))
        let rows = try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT seq, event_id, topic, record_key, payload, traceparent FROM \(schema.name).outbox ORDER BY seq LIMIT $1
            """, binds: binds), logger: logger)
        var result: [Row] = []
        for try await (seq, eventID, topic, key, payload, traceparent)
            in rows.decode((Int64, String, String, String?, ByteBuffer, String?).self) {
            result.append(Row(seq: seq, eventID: eventID, topic: topic, recordKey: key,
                              payload: Array(payload.readableBytesView), traceparent: traceparent))
        }
        return result
    }

    /// Deletes exactly the rows numbered `seqs` (see ``PostgresOutboxRelay`` for why not every
    /// row up to the last one).
    static func delete(_ seqs: [Int64], schema: PostgresServiceSchema, on connection: PostgresConnection, logger: Logger) async throws {
        var binds = PostgresBindings()
        binds.append(seqs)
        try await connection.query(
            PostgresQuery(unsafeSQL: "DELETE FROM \(schema.name).outbox WHERE seq = ANY($1)", binds: binds), logger: logger)
    }

    /// Rows waiting to be relayed.
    public static func backlog(schema: PostgresServiceSchema, on client: PostgresClient, logger: Logger) async throws -> Int {
        let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(schema.name).outbox"), logger: logger)
        for try await count in rows.decode(Int64.self) { return Int(count) }
        return 0
    }
}

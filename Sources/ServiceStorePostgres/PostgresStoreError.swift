/// What went wrong in the PostgreSQL service store, said so that an operator knows what to fix.
public enum PostgresStoreError: Error, Equatable, CustomStringConvertible {
    /// `postgres.url` could not be read; `reason` names the part that is wrong.
    case invalidURL(String, reason: String)
    /// A schema name that is not a plain lowercase SQL identifier (it is spliced into SQL).
    case invalidSchemaName(String)
    /// A migration step failed; nothing of that step was kept.
    case migrationFailed(schema: String, step: String, reason: String)
    /// The outbox relay was asked to relay without holding its service's relay lock.
    case relayLockNotHeld(schema: String)
    /// A LISTEN connection closed (server restart, network): notifications since are lost.
    case listenerConnectionLost(channel: String)
    /// A service's statement uses SQLite SQL that has no PostgreSQL translation.
    case unsupportedSQL(String, reason: String)
    /// A statement bound another number of parameters than it has.
    case parameterCount(sql: String, bound: Int, expected: Int)
    /// The server refused a statement (a constraint, a lost connection): its message and SQLSTATE.
    case statementFailed(sql: String, reason: String, sqlState: String?)
    /// A column did not hold what the statement's reader asked for.
    case unexpectedColumn(sql: String, column: Int, reason: String)
    /// A write came after its service's writer was closed.
    case writerClosed
    /// The server cannot be reached or refuses connections (the health check's answer).
    case unreachable(reason: String)

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason):
            "invalid postgres.url \(Self.redacted(url)): \(reason) (expected postgres://user:password@host:port/database)"
        case .invalidSchemaName(let name):
            "invalid schema name \"\(name)\": use lowercase letters, digits and underscores, starting with a letter"
        case .migrationFailed(let schema, let step, let reason):
            "migration \(schema).\(step) failed and was rolled back: \(reason)"
        case .relayLockNotHeld(let schema):
            "the outbox relay of \(schema) does not hold its relay lock: call acquire() first"
        case .listenerConnectionLost(let channel):
            "the connection listening on \(channel) closed: listen again and re-read what you wait on"
        case .unsupportedSQL(let sql, let reason):
            "statement has no PostgreSQL translation (\(reason)): \(sql)"
        case .parameterCount(let sql, let bound, let expected):
            "\(bound) parameters bound, the statement has \(expected): \(sql)"
        case .statementFailed(let sql, let reason, let state):
            "PostgreSQL refused a statement: \(reason)\(state.map { " [SQLSTATE \($0)]" } ?? ""): \(sql)"
        case .unexpectedColumn(let sql, let column, let reason):
            "column \(column) \(reason): \(sql)"
        case .writerClosed:
            "the service's PostgreSQL writer is closed (the service is stopping)"
        case .unreachable(let reason):
            "cannot reach the database: \(reason)"
        }
    }

    /// The URL without its password, for messages and logs.
    static func redacted(_ url: String) -> String {
        let parts = url.split(separator: "://", maxSplits: 1)
        guard parts.count == 2, let at = parts[1].lastIndex(of: "@"), let colon = parts[1][..<at].firstIndex(of: ":") else {
            return url
        }
        return "\(parts[0])://\(parts[1][...colon])***\(parts[1][at...])"
    }
}

extension PostgresStoreError {
    /// The server or the way to it failing, not the statement: what a writer waits out rather
    /// than blames on the write. No SQLSTATE (the connection closed, or could not be made),
    /// connection exceptions (08), insufficient resources (53), operator intervention such as
    /// a shutdown (57), and a serialization failure or deadlock (40001, 40P01), which a retry
    /// resolves.
    public var isPassingFault: Bool {
        if case .unreachable = self { return true }
        guard case .statementFailed(_, _, let state) = self else { return false }
        guard let state else { return true }
        return ["08", "53", "57"].contains(String(state.prefix(2))) || state == "40001" || state == "40P01"
    }
}

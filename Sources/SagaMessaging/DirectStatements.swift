import GRDB
import GRDBSQLite

/// Hot-path statements run straight through SQLite's C API. GRDB still prepares each statement
/// once per connection (its statement cache), but the parameters go in and the columns come out
/// without `StatementArguments`, `DatabaseValue` and `Row`: their boxing, copies and per-column
/// name lookups were 7% of the daemon's CPU under load, at ~44 statements per order.
///
/// Only for connections without transaction observers (the daemon installs none): GRDB does not
/// hear of these statements. Every statement is reset after use, so none stays active. A write
/// must run inside a transaction (GRDB's `write`, a group commit): outside one it is refused.
extension Database {
    /// Runs `sql` once, with the parameters `bind` sets in order.
    /// - Throws: a `DatabaseError` when the statement cannot be prepared, a parameter is left
    ///   unbound, or SQLite fails it (a constraint, a full disk).
    public func run(_ sql: String, bind: (inout StatementBinder) throws -> Void) throws {
        let statement = try DirectStatement(sql: sql, in: self, bind: bind)
        defer { statement.reset() }
        while try statement.step() {}
    }

    /// The first row `sql` returns, read by `read`; nil when there is none.
    /// - Throws: as `run`, or what `read` throws.
    public func firstRow<Value>(
        _ sql: String, bind: (inout StatementBinder) throws -> Void, read: (ColumnReader) throws -> Value
    ) throws -> Value? {
        let statement = try DirectStatement(sql: sql, in: self, bind: bind)
        defer { statement.reset() }
        return try statement.step() ? read(statement.columns) : nil
    }

    /// Hands every row `sql` returns to `body`, in order.
    /// - Throws: as `run`, or what `body` throws.
    public func eachRow(
        _ sql: String, bind: (inout StatementBinder) throws -> Void, body: (ColumnReader) throws -> Void
    ) throws {
        let statement = try DirectStatement(sql: sql, in: self, bind: bind)
        defer { statement.reset() }
        while try statement.step() { try body(statement.columns) }
    }
}

/// Binds a statement's parameters in order, each call the next one.
public struct StatementBinder {
    fileprivate let handle: SQLiteStatement
    fileprivate var index: CInt = 0
    /// The first failed bind: its parameter and result code (a parameter past the last, out of memory).
    fileprivate var failure: (index: CInt, code: CInt)?

    fileprivate init(handle: SQLiteStatement) { self.handle = handle }

    public mutating func bind(_ value: Int64) {
        let index = advance()
        record(sqlite3_bind_int64(handle, index, value), at: index)
    }

    public mutating func bind(_ value: String) {
        let (handle, index) = (handle, advance())
        var text = value
        let code = text.withUTF8 { utf8 in
            // An empty buffer may have no address, and a null address binds NULL, not ''.
            guard let start = utf8.baseAddress else { return sqlite3_bind_text(handle, index, "", 0, SQLITE_TRANSIENT) }
            return start.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
                sqlite3_bind_text(handle, index, $0, CInt(utf8.count), SQLITE_TRANSIENT)
            }
        }
        record(code, at: index)
    }

    // The conveniences of `SQLBinder`, here too so that calls on this concrete binder (every
    // SQLite statement of the services) are direct rather than through the protocol.
    public mutating func bind(_ value: Int) { bind(Int64(value)) }
    public mutating func bind(_ value: String?) { if let value { bind(value) } else { bindNull() } }
    public mutating func bind(_ value: Int64?) { if let value { bind(value) } else { bindNull() } }

    public mutating func bind(_ bytes: [UInt8]) {
        let (handle, index) = (handle, advance())
        let code = bytes.withUnsafeBytes { raw in
            guard let start = raw.baseAddress else { return sqlite3_bind_zeroblob(handle, index, 0) }
            return sqlite3_bind_blob(handle, index, start, CInt(raw.count), SQLITE_TRANSIENT)
        }
        record(code, at: index)
    }

    public mutating func bindNull() {
        let index = advance()
        record(sqlite3_bind_null(handle, index), at: index)
    }

    private mutating func advance() -> CInt {
        index += 1
        return index
    }

    private mutating func record(_ code: CInt, at index: CInt) {
        if code != SQLITE_OK && failure == nil { failure = (index, code) }
    }
}

/// The current row's columns, by position (0 is the first selected).
public struct ColumnReader {
    fileprivate let handle: SQLiteStatement
    fileprivate let sql: String

    public func isNull(_ column: CInt) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    /// The column as an integer (0 for NULL, as SQLite converts it).
    public func int64(_ column: CInt) -> Int64 { sqlite3_column_int64(handle, column) }

    public func int(_ column: CInt) -> Int { Int(sqlite3_column_int64(handle, column)) }

    public func optionalInt64(_ column: CInt) -> Int64? { isNull(column) ? nil : int64(column) }

    /// The column as text.
    /// - Throws: a `DatabaseError` when it is NULL: a schema the code does not expect.
    public func text(_ column: CInt) throws -> String {
        guard let text = optionalText(column) else {
            throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "column \(column) is NULL", sql: sql)
        }
        return text
    }

    public func optionalText(_ column: CInt) -> String? {
        guard let start = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    }

    /// The column's bytes (empty for NULL or an empty blob).
    public func bytes(_ column: CInt) -> [UInt8] {
        guard let start = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: start, count: Int(sqlite3_column_bytes(handle, column))))
    }
}

/// One use of a cached statement: bound on creation, stepped, then reset.
private struct DirectStatement {
    let handle: SQLiteStatement
    let connection: SQLiteConnection?
    let sql: String

    init(sql: String, in db: Database, bind: (inout StatementBinder) throws -> Void) throws {
        handle = try db.cachedStatement(sql: sql).sqliteStatement
        connection = db.sqliteConnection
        self.sql = sql
        var binder = StatementBinder(handle: handle)
        do {
            try bind(&binder)
        } catch {
            reset()
            throw error
        }
        if let (index, code) = binder.failure {
            reset()
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "binding parameter \(index) failed", sql: sql)
        }
        // Every write here belongs to a transaction. Outside one, SQLite has rolled back the
        // transaction it was meant for (a full disk, an I/O error): running it would commit it
        // alone, where GRDB's own statements would have refused.
        // (BEGIN IMMEDIATE counts as a write to SQLite; it is the one that may run outside.)
        if sqlite3_stmt_readonly(handle) == 0 && sqlite3_get_autocommit(db.sqliteConnection) != 0
            && !sql.drop(while: \.isWhitespace).uppercased().hasPrefix("BEGIN") {
            reset()
            throw DatabaseError(resultCode: .SQLITE_ABORT, message: "a write outside any transaction", sql: sql)
        }
        let expected = sqlite3_bind_parameter_count(handle)
        if binder.index != expected {
            reset()
            throw DatabaseError(
                resultCode: .SQLITE_RANGE, message: "\(binder.index) parameters bound, the statement has \(expected)", sql: sql)
        }
    }

    var columns: ColumnReader { ColumnReader(handle: handle, sql: sql) }

    /// Steps once: true with a row to read, false when the statement is done.
    func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let code = sqlite3_extended_errcode(connection)
            let message = sqlite3_errmsg(connection).map { String(cString: $0) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
        }
    }

    /// Makes the statement ready for its next use (every use binds all its parameters again).
    func reset() { sqlite3_reset(handle) }
}

private let SQLITE_TRANSIENT = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

import GRDB

/// The statements of a service's saga steps, written once for every store they run on: SQLite
/// (GRDB's `Database`, through `DirectStatements`) and PostgreSQL (ServiceStorePostgres's
/// `PostgresSession`, a connection used from the service's own thread). Parameters are
/// positional (`?`, or `?N` to use the N-th again), columns are read by position (0 is the
/// first selected), and the SQL keeps to what the two dialects share; each session translates
/// what differs (PostgreSQL numbers its parameters `$N`).
///
/// A step generic over its session (`func apply<S: SQLSession>(_:in db: S)`) runs unchanged on
/// either. Every call runs inside the session's current transaction.
public protocol SQLSession {
    associatedtype Binder: SQLBinder
    associatedtype Columns: SQLColumns

    /// Runs `sql` once, with the parameters `bind` sets in order.
    func run(_ sql: String, bind: (inout Binder) throws -> Void) throws

    /// The first row `sql` returns, read by `read`; nil when there is none.
    func firstRow<Value>(_ sql: String, bind: (inout Binder) throws -> Void, read: (Columns) throws -> Value) throws -> Value?

    /// Hands every row `sql` returns to `body`, in order.
    func eachRow(_ sql: String, bind: (inout Binder) throws -> Void, body: (Columns) throws -> Void) throws

    /// How many rows the last statement run inserted, updated or deleted.
    var changesCount: Int { get }
}

extension SQLSession {
    /// Runs `sql`, which has no parameters.
    public func run(_ sql: String) throws { try run(sql, bind: { _ in }) }

    /// The first row of `sql`, which has no parameters.
    public func firstRow<Value>(_ sql: String, read: (Columns) throws -> Value) throws -> Value? {
        try firstRow(sql, bind: { _ in }, read: read)
    }

    /// Hands every row of `sql`, which has no parameters, to `body`.
    public func eachRow(_ sql: String, body: (Columns) throws -> Void) throws { try eachRow(sql, bind: { _ in }, body: body) }

    /// Every row `sql` returns, each read by `read`.
    public func allRows<Value>(
        _ sql: String, bind: (inout Binder) throws -> Void = { _ in }, read: (Columns) throws -> Value
    ) throws -> [Value] {
        var values: [Value] = []
        try eachRow(sql, bind: bind) { values.append(try read($0)) }
        return values
    }
}

/// Sets a statement's parameters in order, each call the next one.
public protocol SQLBinder {
    mutating func bind(_ value: Int64)
    mutating func bind(_ value: String)
    mutating func bind(_ bytes: [UInt8])
    mutating func bindNull()
}

extension SQLBinder {
    public mutating func bind(_ value: Int) { bind(Int64(value)) }
    public mutating func bind(_ value: String?) { if let value { bind(value) } else { bindNull() } }
    public mutating func bind(_ value: Int64?) { if let value { bind(value) } else { bindNull() } }
}

/// The current row's columns, by position.
public protocol SQLColumns {
    func isNull(_ column: CInt) -> Bool
    /// The column as an integer: 0 for NULL, 1 or 0 for a boolean.
    func int64(_ column: CInt) -> Int64
    /// The column as text.
    /// - Throws: when it is NULL: a schema the code does not expect.
    func text(_ column: CInt) throws -> String
    func optionalText(_ column: CInt) -> String?
    /// The column's bytes (empty for NULL or an empty blob).
    func bytes(_ column: CInt) -> [UInt8]
}

extension SQLColumns {
    public func int(_ column: CInt) -> Int { Int(int64(column)) }
    public func optionalInt64(_ column: CInt) -> Int64? { isNull(column) ? nil : int64(column) }
}

/// Where a service's writes commit, one transaction each (or several sharing one, as SQLite's
/// `GroupCommit` does): what its consumer applies event batches through, on either store.
public protocol ServiceWriter: Sendable {
    associatedtype Session: SQLSession

    /// Runs `body` in a transaction and commits it; `durable: false` may let the commit return
    /// before it reaches the disk (for writes that are safe to lose, such as relay deletes).
    func write<T: Sendable>(durable: Bool, _ body: @escaping @Sendable (Session) throws -> T) async throws -> T

    /// Whether `error` is the store's passing trouble (a full disk, a lost connection), to be
    /// waited out, rather than the fault of what was being written.
    func isTransient(_ error: any Error) -> Bool
}

extension ServiceWriter {
    /// A durable `write`.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Session) throws -> T) async throws -> T {
        try await write(durable: true, body)
    }
}

extension GroupCommit: ServiceWriter {
    public func isTransient(_ error: any Error) -> Bool { StorageFault.isTransient(error) }
}

extension Database: SQLSession {}
extension StatementBinder: SQLBinder {}
extension ColumnReader: SQLColumns {}

import Dispatch
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import SagaMessaging

/// One service's statements on PostgreSQL, through a connection of its own whose
/// `search_path` is the service's schema: the `SQLSession` the saga steps written for SQLite
/// run on unchanged (their SQL translated by `PostgresDialect`, once per statement text).
///
/// Its calls block until the server answers, like SQLite's: use it from a thread of its own
/// (a `ServiceThread`, as the services' SQLite commits are), never from Swift's cooperative pool
/// or a NIO event loop (NIO refuses to wait there). Not for concurrent use. A transaction that
/// finds the connection closed (the server restarted, the network dropped it) connects again.
/// No call waits longer than `answerTimeout` for the server: past it the connection is closed
/// and the call fails as the server's passing trouble would (no SQLSTATE), so that a network
/// that drops packets silently cannot hold a service's thread for TCP's own timeouts.
public final class PostgresSession: SQLSession {
    public typealias Binder = PostgresStatementBinder
    public typealias Columns = PostgresColumns

    private(set) var connection: PostgresConnection
    private let configuration: PostgresConnection.Configuration
    private let schema: PostgresServiceSchema
    private let logger: Logger
    private var translations: [String: PostgresDialect.Translation] = [:]
    public private(set) var changesCount = 0
    /// The longest a call waits for the server's answer.
    public let answerTimeout: Duration

    private init(connection: PostgresConnection, configuration: PostgresConnection.Configuration,
                 schema: PostgresServiceSchema, answerTimeout: Duration, logger: Logger) {
        self.connection = connection
        self.answerTimeout = answerTimeout
        self.configuration = configuration
        self.schema = schema
        self.logger = logger
    }

    /// A session on a new connection to `store`'s database, in `schema`'s tables (migrated
    /// beforehand).
    public static func open(
        _ store: PostgresStore, schema: PostgresServiceSchema, answerTimeout: Duration = .seconds(30), logger: Logger
    ) async throws -> PostgresSession {
        let configuration = try store.endpoint.connectionConfiguration()
        let connection = try await connect(configuration, schema: schema, logger: logger).get()
        return PostgresSession(
            connection: connection, configuration: configuration, schema: schema, answerTimeout: answerTimeout, logger: logger)
    }

    private static func connect(
        _ configuration: PostgresConnection.Configuration, schema: PostgresServiceSchema, logger: Logger
    ) -> EventLoopFuture<PostgresConnection> {
        PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: 0, logger: logger
        ).flatMap { connection in
            connection.query(PostgresQuery(unsafeSQL: "SET search_path TO \(schema.name)"), logger: logger)
                .map { _ in connection }
                .flatMapError { error in connection.close().flatMapThrowing { throw error } }
        }
    }

    public func close() async {
        try? await connection.close().get()
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// - Throws: what `body` throws, or `PostgresStoreError.statementFailed` when the server
    ///   cannot be reached or refuses the commit.
    public func transaction<Value>(_ body: (PostgresSession) throws -> Value) throws -> Value {
        if connection.isClosed {
            do {
                connection = try answer(to: Self.connect(configuration, schema: schema, logger: logger), sql: "(connect)")
            } catch let error as PostgresStoreError {
                throw error
            } catch {
                throw PostgresStoreError.statementFailed(
                    sql: "(connect)", reason: PostgresStoreError.serverMessage(error), sqlState: nil)
            }
        }
        try run("BEGIN")
        let value: Value
        do {
            value = try body(self)
        } catch {
            try? run("ROLLBACK")
            throw error
        }
        try run("COMMIT")
        return value
    }

    public func run(_ sql: String, bind: (inout PostgresStatementBinder) throws -> Void) throws {
        _ = try execute(sql, bind: bind)
    }

    public func firstRow<Value>(
        _ sql: String, bind: (inout PostgresStatementBinder) throws -> Void, read: (PostgresColumns) throws -> Value
    ) throws -> Value? {
        guard let row = try execute(sql, bind: bind).first else { return nil }
        return try PostgresColumns.reading(row, sql: sql, with: read)
    }

    public func eachRow(
        _ sql: String, bind: (inout PostgresStatementBinder) throws -> Void, body: (PostgresColumns) throws -> Void
    ) throws {
        for row in try execute(sql, bind: bind) { try PostgresColumns.reading(row, sql: sql, with: body) }
    }

    private func execute(_ sql: String, bind: (inout PostgresStatementBinder) throws -> Void) throws -> [PostgresRow] {
        let translation: PostgresDialect.Translation
        if let known = translations[sql] {
            translation = known
        } else {
            translation = try PostgresDialect.translate(sql)
            translations[sql] = translation
        }
        var binder = PostgresStatementBinder()
        try bind(&binder)
        guard binder.count == translation.parameterCount else {
            throw PostgresStoreError.parameterCount(sql: sql, bound: binder.count, expected: translation.parameterCount)
        }
        changesCount = 0
        let result: PostgresQueryResult
        do {
            result = try answer(
                to: connection.query(PostgresQuery(unsafeSQL: translation.sql, binds: binder.bindings), logger: logger), sql: sql,
                closingOnTimeout: connection)
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError.statementFailed(
                sql: sql, reason: PostgresStoreError.serverMessage(error), sqlState: (error as? PSQLError)?.serverInfo?[.sqlState])
        }
        changesCount = result.metadata.rows ?? 0
        return result.rows
    }

    /// What `future` brings, waited for at most `answerTimeout`; past it `connection` (if any)
    /// is closed and the call fails without a SQLSTATE (a transient fault).
    private func answer<Value: Sendable>(
        to future: EventLoopFuture<Value>, sql: String, closingOnTimeout connection: PostgresConnection? = nil
    ) throws -> Value {
        let outcome = NIOLockedValueBox<Result<Value, any Error>?>(nil)
        let answered = DispatchSemaphore(value: 0)
        future.whenComplete { result in
            outcome.withLockedValue { $0 = result }
            answered.signal()
        }
        let milliseconds = Int(answerTimeout.components.seconds * 1000 + answerTimeout.components.attoseconds / 1_000_000_000_000_000)
        guard answered.wait(timeout: .now() + .milliseconds(milliseconds)) == .success else {
            if let connection { let _: EventLoopFuture<Void> = connection.close() }
            throw PostgresStoreError.statementFailed(
                sql: sql, reason: "no answer from the server within \(answerTimeout); the connection was closed", sqlState: nil)
        }
        return try outcome.withLockedValue { $0! }.get()
    }
}

/// Sets a PostgreSQL statement's parameters in order (`$1`, `$2`, …).
public struct PostgresStatementBinder: SQLBinder {
    var bindings = PostgresBindings()
    var count = 0

    public mutating func bind(_ value: Int64) { bindings.append(value); count += 1 }
    public mutating func bind(_ value: String) { bindings.append(value); count += 1 }
    public mutating func bind(_ bytes: [UInt8]) { bindings.append(ByteBuffer(bytes: bytes)); count += 1 }
    public mutating func bindNull() { bindings.appendNull(); count += 1 }
}

/// A PostgreSQL row's columns by position. A column that cannot be read as asked (not text,
/// not a number or a boolean) fails the statement after the reader returns.
public struct PostgresColumns: SQLColumns {
    private final class Failure {
        var error: PostgresStoreError?
    }

    private let row: PostgresRandomAccessRow
    private let sql: String
    private let failure: Failure

    static func reading<Value>(_ row: PostgresRow, sql: String, with read: (PostgresColumns) throws -> Value) throws -> Value {
        let columns = PostgresColumns(row: row.makeRandomAccess(), sql: sql, failure: Failure())
        let value = try read(columns)
        if let error = columns.failure.error { throw error }
        return value
    }

    private init(row: PostgresRandomAccessRow, sql: String, failure: Failure) {
        self.row = row
        self.sql = sql
        self.failure = failure
    }

    private func cell(_ column: CInt) -> PostgresCell? {
        guard column >= 0, Int(column) < row.count else {
            fail(column, "does not exist (the row has \(row.count))")
            return nil
        }
        return row[Int(column)]
    }

    private func fail(_ column: CInt, _ reason: String) {
        if failure.error == nil { failure.error = .unexpectedColumn(sql: sql, column: Int(column), reason: reason) }
    }

    public func isNull(_ column: CInt) -> Bool { cell(column)?.bytes == nil }

    public func int64(_ column: CInt) -> Int64 {
        guard let cell = cell(column), cell.bytes != nil else { return 0 }
        do {
            if cell.dataType == .bool { return try cell.decode(Bool.self) ? 1 : 0 }
            return try cell.decode(Int64.self)
        } catch {
            fail(column, "is \(cell.dataType), not an integer")
            return 0
        }
    }

    public func text(_ column: CInt) throws -> String {
        guard let text = optionalText(column) else {
            throw PostgresStoreError.unexpectedColumn(sql: sql, column: Int(column), reason: "is NULL")
        }
        return text
    }

    public func optionalText(_ column: CInt) -> String? {
        guard let cell = cell(column), cell.bytes != nil else { return nil }
        do {
            return try cell.decode(String.self)
        } catch {
            fail(column, "is \(cell.dataType), not text")
            return nil
        }
    }

    public func bytes(_ column: CInt) -> [UInt8] {
        guard let cell = cell(column), let bytes = cell.bytes else { return [] }
        guard cell.dataType == .bytea else {
            fail(column, "is \(cell.dataType), not bytes")
            return []
        }
        return Array(bytes.readableBytesView)
    }
}

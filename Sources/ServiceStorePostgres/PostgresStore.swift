import Logging
import PostgresNIO
import Synchronization

/// A connection pool to one PostgreSQL database, with its `run()` loop in a task of its own:
/// what a service's state, migrations and queries go through. Dedicated connections (the
/// outbox relay's lock, a LISTEN) come from ``openConnection()``, outside the pool, because
/// session state such as an advisory lock or a LISTEN must stay on one connection.
public final class PostgresStore: Sendable {
    public let endpoint: PostgresEndpoint
    /// The pool: lease with `withConnection`/`withTransaction`, or `query` directly.
    public let client: PostgresClient
    private let logger: Logger
    private let runner: Task<Void, Never>
    private let connectionIDs = Atomic<Int>(0)

    /// Starts a pool of at most `maximumConnections` connections to `endpoint`; connections are
    /// made on first use, so this does not fail when the server is down (the first query does).
    public init(endpoint: PostgresEndpoint, logger: Logger, maximumConnections: Int = 8) {
        var configuration = endpoint.clientConfiguration()
        configuration.options.maximumConnections = maximumConnections
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.endpoint = endpoint
        self.client = client
        self.logger = logger
        runner = Task { await client.run() }
    }

    /// Reads `url` (see ``PostgresEndpoint/init(url:)``) and starts a pool on it.
    public convenience init(url: String, logger: Logger, maximumConnections: Int = 8) throws(PostgresStoreError) {
        self.init(endpoint: try PostgresEndpoint(url: url), logger: logger, maximumConnections: maximumConnections)
    }

    /// A connection of its own, not from the pool; the caller closes it. Its session (locks,
    /// LISTENs) ends when it closes or when the server loses it.
    public func openConnection() async throws -> PostgresConnection {
        let id = connectionIDs.add(1, ordering: .relaxed).newValue
        return try await PostgresConnection.connect(configuration: endpoint.connectionConfiguration(), id: id, logger: logger)
    }

    /// A round trip to the server on a connection of its own, for health: a server that
    /// refuses connections says why at once (the pool would keep retrying in the background and
    /// leave the caller waiting).
    /// - Throws: ``PostgresStoreError/unreachable(reason:)`` with the server's message.
    public func checkReachable() async throws {
        do {
            let connection = try await openConnection()
            defer { Task { try? await connection.close() } }
            try await connection.query("SELECT 1", logger: logger)
        } catch {
            throw PostgresStoreError.unreachable(reason: PostgresStoreError.serverMessage(error))
        }
    }

    /// Stops the pool: its connections close once the queries on them have finished.
    public func close() async {
        runner.cancel()
        await runner.value
    }
}

extension PostgresStoreError {
    /// What the server said about `error` (its message, detail and SQLSTATE) rather than the
    /// generic text PostgresNIO prints by default to keep data out of logs.
    static func serverMessage(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo, let message = info[.message] {
            var text = message
            if let detail = info[.detail] { text += " (\(detail))" }
            if let state = info[.sqlState] { text += " [SQLSTATE \(state)]" }
            return text
        }
        return "\(error.code)"
    }
}

import Logging
import PostgresNIO

/// Applies a service's migration steps to its PostgreSQL schema: each step not yet applied, in
/// order, in a transaction of its own that also records the step's name in
/// `<schema>.schema_migrations`, so a failed step leaves neither its changes nor its record.
///
/// Several sagad instances may start at once against one database: every transaction first
/// takes `pg_advisory_xact_lock` on a key derived from the schema name, so they take turns, and
/// each checks the record after taking the lock, so a step another instance just applied is
/// skipped rather than applied twice. The lock is released by the commit or rollback.
public struct PostgresMigrator: Sendable {
    public let schema: PostgresServiceSchema

    public init(_ schema: PostgresServiceSchema) { self.schema = schema }

    /// Applies every step not yet applied; returns the names of those this call applied.
    /// - Throws: ``PostgresStoreError/migrationFailed(schema:step:reason:)`` with the server's
    ///   message when a step fails (that step and the later ones are not applied).
    @discardableResult
    public func migrate(on client: PostgresClient, logger: Logger) async throws -> [String] {
        try await inTransaction(step: "schema_migrations", on: client, logger: logger) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema.name)"), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: """
                CREATE TABLE IF NOT EXISTS \(schema.name).schema_migrations (
                    name TEXT PRIMARY KEY,
                    applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                """), logger: logger)
        }
        var applied: [String] = []
        for step in schema.steps {
            let didApply = try await inTransaction(step: step.name, on: client, logger: logger) { connection in
                guard try await !isApplied(step.name, on: connection, logger: logger) else { return false }
                // Unqualified names in the step resolve to the service's schema, as in its SQLite file.
                try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(schema.name)"), logger: logger)
                for statement in step.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    PostgresQuery(unsafeSQL: "INSERT INTO \(schema.name).schema_migrations (name) VALUES ($1)", binds: binds(step.name)),
                    logger: logger)
                return true
            }
            if didApply {
                applied.append(step.name)
                logger.info("applied migration", metadata: ["schema": "\(schema.name)", "step": "\(step.name)"])
            }
        }
        return applied
    }

    /// The names of the steps applied so far, in the order they were applied.
    /// - Throws: the server's error when the schema was never migrated (no `schema_migrations`).
    public func appliedSteps(on client: PostgresClient, logger: Logger) async throws -> [String] {
        let rows = try await client.query(
            PostgresQuery(unsafeSQL: "SELECT name FROM \(schema.name).schema_migrations ORDER BY applied_at, name"), logger: logger)
        var names: [String] = []
        for try await name in rows.decode(String.self) { names.append(name) }
        return names
    }

    private func isApplied(_ step: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            PostgresQuery(unsafeSQL: "SELECT 1 FROM \(schema.name).schema_migrations WHERE name = $1", binds: binds(step)),
            logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// Runs `body` in a transaction that first takes this schema's migration lock; a failure
    /// rolls it back and is reported with the step's name and the server's message.
    private func inTransaction<Result: Sendable>(
        step: String, on client: PostgresClient, logger: Logger,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await connection.query(
                    "SELECT pg_advisory_xact_lock(hashtextextended(\(Self.lockKey(schema.name)), 0))", logger: logger)
                return try await body(connection)
            }
        } catch let error as PostgresTransactionError {
            let cause = error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError
            throw PostgresStoreError.migrationFailed(
                schema: schema.name, step: step, reason: PostgresStoreError.serverMessage(cause ?? error))
        } catch {
            throw PostgresStoreError.migrationFailed(schema: schema.name, step: step, reason: PostgresStoreError.serverMessage(error))
        }
    }

    /// The text whose hash keys the migration lock of `schema` (distinct from the relay's).
    static func lockKey(_ schema: String) -> String { "sagad migrations \(schema)" }

    private func binds(_ text: String) -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(text)
        return bindings
    }
}

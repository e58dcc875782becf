import GRDB
import PostgresNIO
import SagaMessaging
import Testing

@testable import CheckoutService
@testable import FulfillmentService
@testable import OrderService
@testable import ServiceStorePostgres

/// Migrations against the real server `SAGAD_POSTGRES_URL` names, each test in a fresh database.
@Suite(.enabled(if: postgresURL != nil, "needs SAGAD_POSTGRES_URL (make test-cluster starts a server)"))
struct PostgresMigratorTests {
    static let services: [(PostgresServiceSchema, ServiceSchema)] = [
        (.orders, .orders), (.checkout, .checkout), (.fulfillment, .fulfillment),
    ]

    @Test func stepsApplyOnceAndASecondRunAppliesNothing() async throws {
        try await withFreshStore { _, store in
            let migrator = PostgresMigrator(.orders)
            #expect(try await migrator.migrate(on: store.client, logger: testLogger) == PostgresServiceSchema.orders.stepNames)
            #expect(try await migrator.migrate(on: store.client, logger: testLogger) == [])
            #expect(try await Set(migrator.appliedSteps(on: store.client, logger: testLogger)) == Set(PostgresServiceSchema.orders.stepNames))
            let recorded = try await strings("SELECT count(*)::text FROM orders.schema_migrations", on: store.client)
            #expect(recorded == ["\(PostgresServiceSchema.orders.steps.count)"])
        }
    }

    /// Instances starting at once, each with its own pool: every step is applied by exactly one.
    @Test func concurrentMigratorsApplyEachStepExactlyOnce() async throws {
        try await withFreshStore { database, store in
            let others = (0..<3).map { _ in database.store() }
            defer { Task { for instance in others { await instance.close() } } }
            for (schema, _) in Self.services {
                let applied = try await withThrowingTaskGroup(of: [String].self) { group in
                    for instance in [store] + others {
                        group.addTask { try await PostgresMigrator(schema).migrate(on: instance.client, logger: testLogger) }
                    }
                    return try await group.reduce(into: [[String]]()) { $0.append($1) }
                }
                #expect(applied.flatMap { $0 }.sorted() == schema.stepNames.sorted(), "\(schema.name): \(applied)")
            }
        }
    }

    /// A failing step keeps nothing of itself (its earlier statements are rolled back too) and
    /// stops the run; the steps before it stay applied, and the error names the step.
    @Test func aFailingStepIsRolledBackAndNamed() async throws {
        try await withFreshStore { _, store in
            let schema = try PostgresServiceSchema(name: "broken", steps: [
                .init("create good", ["CREATE TABLE good (id BIGINT)"]),
                .init("create half", ["CREATE TABLE half (id BIGINT)", "CREATE TABLE half (id BIGINT)"]),
                .init("create never", ["CREATE TABLE never (id BIGINT)"]),
            ])
            let error = await #expect(throws: PostgresStoreError.self) {
                try await PostgresMigrator(schema).migrate(on: store.client, logger: testLogger)
            }
            guard case .migrationFailed(let name, let step, let reason) = error else {
                Issue.record("expected migrationFailed, got \(String(describing: error))")
                return
            }
            #expect(name == "broken" && step == "create half")
            #expect(reason.contains("already exists"), "\(reason)")
            #expect(try await PostgresMigrator(schema).appliedSteps(on: store.client, logger: testLogger) == ["create good"])
            let tables = try await strings("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'broken' ORDER BY 1", on: store.client)
            #expect(tables == ["good", "schema_migrations"])
        }
    }

    /// Every table, column (type and nullability) and explicit index of each service's SQLite
    /// schema exists in its PostgreSQL schema, and nothing else: the SQLite database is made by
    /// the services' own migrator, so the two cannot drift apart unnoticed.
    @Test func theSchemasMatchTheSQLiteOnes() async throws {
        try await withFreshStore { _, store in
            for (schema, sqlite) in Self.services {
                try await PostgresMigrator(schema).migrate(on: store.client, logger: testLogger)
                let expected = try Self.sqliteShape(sqlite)
                let columns = try await strings("""
                    SELECT table_name || '.' || column_name || ' ' || data_type || (CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END)
                    FROM information_schema.columns WHERE table_schema = '\(schema.name)' AND table_name <> 'schema_migrations'
                    """, on: store.client)
                let extra = Set(columns).subtracting(expected.columns), missing = expected.columns.subtracting(columns)
                #expect(extra.isEmpty && missing.isEmpty, "\(schema.name): extra \(extra.sorted()), missing \(missing.sorted())")
                let indexes = Set(try await strings("SELECT indexname::text FROM pg_indexes WHERE schemaname = '\(schema.name)'", on: store.client))
                #expect(expected.indexes.isSubset(of: indexes), "\(schema.name): \(expected.indexes.subtracting(indexes))")
            }
            let dropped = try await strings("SELECT indexname::text FROM pg_indexes WHERE indexname = 'fulfillments_status'", on: store.client)
            #expect(dropped.isEmpty)
        }
    }

    /// The columns ("table.column type[ not null]", types in PostgreSQL's names) and explicit
    /// index names of an empty SQLite database migrated by `schema`.
    static func sqliteShape(_ schema: ServiceSchema) throws -> (columns: Set<String>, indexes: Set<String>) {
        let queue = try DatabaseQueue()
        try schema.migrator.migrate(queue)
        return try queue.read { db in
            let types = ["INTEGER": "bigint", "TEXT": "text", "BLOB": "bytea"]
            var columns: Set<String> = []
            let tables = try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'grdb_migrations'
                """)
            for table in tables {
                for row in try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))") {
                    let declared: String = row["type"]
                    let notNull = (row["notnull"] as Int) == 1 || (row["pk"] as Int) > 0
                    columns.insert("\(table).\(row["name"] as String) \(types[declared] ?? declared)\(notNull ? " not null" : "")")
                }
            }
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            return (columns, Set(indexes))
        }
    }
}

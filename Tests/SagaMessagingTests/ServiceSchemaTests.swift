import GRDB
import Testing
@testable import SagaMessaging

/// A schema as data: its SQL steps by name, with the messaging tables where the service puts them.
@Suite struct ServiceSchemaTests {
    @Test func putsTheMessagingTablesWhereTheServiceSays() throws {
        let schema = ServiceSchema([
            .sql("create a", ["CREATE TABLE a (x)"]), .messaging, .sql("create b", ["CREATE TABLE b (y)", "CREATE INDEX b_y ON b(y)"]),
        ])
        #expect(schema.migrator.migrations == ["create a", "create outbox", "create inbox", "outbox record key", "inbox timeline",
                                             "outbox traceparent", "create b"])
        let database = try DatabaseQueue()
        try schema.migrator.migrate(database)
        let tables = try database.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%' ORDER BY name")
        }
        #expect(tables == ["a", "b", "b_y", "inbox", "inbox_order", "inbox_processed_at", "outbox"])
    }
}

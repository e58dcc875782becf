import Testing

@testable import ServiceStorePostgres

/// SQLite SQL as the services write it, translated for PostgreSQL; no server needed.
@Suite struct PostgresDialectTests {
    @Test(arguments: [
        ("SELECT a FROM t WHERE b = ? AND c = ?", "SELECT a FROM t WHERE b = $1 AND c = $2", 2),
        // ?N reuses a parameter; a bare ? after it takes the next number after the largest.
        ("UPDATE a SET x = x - ?1 WHERE id = ?2 AND x >= ?1", "UPDATE a SET x = x - $1 WHERE id = $2 AND x >= $1", 2),
        ("SELECT ?2, ?, ?1", "SELECT $2, $3, $1", 3),
        // Inside string literals and quoted identifiers a ? is text, and a doubled quote stays.
        ("SELECT '?', 'it''s ?', \"col?\" FROM t WHERE x = ?", "SELECT '?', 'it''s ?', \"col?\" FROM t WHERE x = $1", 1),
        ("SELECT 1", "SELECT 1", 0),
        ("INSERT OR IGNORE INTO tombstones (order_id, at) VALUES (?, ?)",
         "INSERT INTO tombstones (order_id, at) VALUES ($1, $2) ON CONFLICT DO NOTHING", 2),
        ("  insert or ignore into inbox (event_id) values (?) returning event_id",
         "INSERT into inbox (event_id) values ($1) ON CONFLICT DO NOTHING returning event_id", 1),
        ("INSERT INTO t (a) VALUES (?) RETURNING seq", "INSERT INTO t (a) VALUES ($1) RETURNING seq", 1),
    ])
    func translates(sqlite: String, postgres: String, parameters: Int) throws {
        #expect(try PostgresDialect.translate(sqlite) == .init(sql: postgres, parameterCount: parameters))
    }

    @Test(arguments: [
        "INSERT OR REPLACE INTO t (a) VALUES (?)",
        "REPLACE INTO t (a) VALUES (?)",
        "INSERT OR ABORT INTO t (a) VALUES (?)",
        "SELECT ?0",
    ])
    func refusesWhatHasNoTranslation(sqlite: String) {
        #expect(throws: PostgresStoreError.self) { try PostgresDialect.translate(sqlite) }
    }
}

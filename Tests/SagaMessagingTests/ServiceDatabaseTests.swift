import Foundation
import GRDB
import Testing
@testable import SagaMessaging

/// A service database commits durably: the writer connection — the one every commit goes
/// through — runs WAL with `synchronous = FULL` (GRDB's pool sets NORMAL when it turns WAL on,
/// after the connection's own setup, and a power loss could then take back acknowledged work).
@Suite struct ServiceDatabaseTests {
    @Test func theWriterSyncsEveryCommit() async throws {
        let directory = NSTemporaryDirectory() + "service-db-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try ServiceDatabase.open(path: directory + "/db.sqlite", migrator: DatabaseMigrator())
        let (journal, writerSync) = try await database.write { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
        }
        #expect(journal == "wal")
        #expect(writerSync == 2, "the writer's synchronous is \(writerSync.map(String.init) ?? "unknown"), not FULL (2)")
        let readerSync = try await database.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(readerSync == 2)
    }
}

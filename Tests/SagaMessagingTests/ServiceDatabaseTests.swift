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

    /// SQLite's temporary files are created deleted; they show in /proc as `etilqs_… (deleted)`.
    private func openTemporaryFiles() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").filter { fd in
            ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + fd)) ?? "").contains("etilqs_")
        }.count
    }

    @Test func savepointsOfACommitKeepTheirJournalInMemory() async throws {
        let directory = NSTemporaryDirectory() + "service-db-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("pages") { db in try db.execute(sql: "CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB)") }
        let database = try ServiceDatabase.open(path: directory + "/db.sqlite", migrator: migrator)
        let before = try openTemporaryFiles()
        let during = try await database.writeWithoutTransaction { db -> Int in
            var open = 0
            try db.inTransaction {
                // 100 savepoints of ~12 KiB each: well past the 64 KiB SQLite keeps in memory
                // unless told to keep temporary data there.
                for savepoint in 0..<100 {
                    try db.inSavepoint {
                        for _ in 0..<3 { try db.execute(sql: "INSERT INTO pages (body) VALUES (zeroblob(4000))") }
                        try db.execute(sql: "UPDATE pages SET body = zeroblob(4001) WHERE id <= ?", arguments: [savepoint * 3])
                        return .commit
                    }
                }
                open = try openTemporaryFiles()  // before the commit ends the savepoints' journal
                return .commit
            }
            return open
        }
        #expect(during == before, "the commit opened \(during - before) temporary file(s)")
        let store = try await database.read { db in try Int.fetchOne(db, sql: "PRAGMA temp_store") }
        #expect(store == 2)
    }
}

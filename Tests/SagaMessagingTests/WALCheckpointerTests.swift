import Foundation
import GRDB
import Logging
import Testing
@testable import SagaMessaging

/// WAL checkpoints leave the service's thread: while the checkpointer runs, the writer only
/// checkpoints past the backstop, and pages still reach the database file.
@Suite struct WALCheckpointerTests {
    private func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    private func writerThreshold(_ database: DatabasePool) throws -> Int? {
        try database.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") }
    }

    @Test func committedPagesReachTheDatabaseFileWithoutTheWriterCheckpointing() async throws {
        let directory = NSTemporaryDirectory() + "wal-checkpointer-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("pages") { db in try db.execute(sql: "CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB)") }
        let path = directory + "/db.sqlite"
        let database = try ServiceDatabase.open(path: path, migrator: migrator)
        let checkpointer = try WALCheckpointer(
            database: database, name: "wal-test", interval: .milliseconds(20), logger: Logger(label: "test"))
        var backstop = false
        for _ in 0..<500 where !backstop {
            backstop = try writerThreshold(database) == WALCheckpointer.backstopPages
            if !backstop { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(backstop)
        let before = fileSize(path)
        // ~2,000 pages, well under the writer's backstop: only the checkpointer copies them.
        for _ in 0..<20 {
            try await database.write { db in
                for _ in 0..<100 { try db.execute(sql: "INSERT INTO pages (body) VALUES (zeroblob(4000))") }
            }
        }
        var copied = false
        for _ in 0..<500 where !copied {
            copied = fileSize(path) - before >= 1_800 * 4096
            if !copied { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(copied, "the database file grew by \(fileSize(path) - before) bytes")
        await checkpointer.stop()
        #expect(try writerThreshold(database) == WALCheckpointer.defaultPages)
    }
}

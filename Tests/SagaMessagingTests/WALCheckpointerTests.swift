import Foundation
import GRDB
import Logging
import Testing
@testable import SagaMessaging

/// WAL checkpoints run beside the service: pages reach the database file without the writer
/// checkpointing, and the WAL still starts over instead of growing under steady writes.
@Suite struct WALCheckpointerTests {
    private func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
    }

    private func withDatabase(_ body: (String, DatabasePool, WALCheckpointer) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "wal-checkpointer-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("pages") { db in try db.execute(sql: "CREATE TABLE pages (id INTEGER PRIMARY KEY, body BLOB)") }
        let path = directory + "/db.sqlite"
        let database = try ServiceDatabase.open(path: path, migrator: migrator)
        let checkpointer = try WALCheckpointer(
            database: database, name: "wal-test", interval: .milliseconds(20), logger: Logger(label: "test"))
        try await body(path, database, checkpointer)
        await checkpointer.stop()
    }

    /// Inserts `rows` rows of about one page each, in transactions of 100.
    private func insertPages(_ rows: Int, into database: DatabasePool) async throws {
        for _ in 0..<(rows / 100) {
            try await database.write { db in
                for _ in 0..<100 { try db.execute(sql: "INSERT INTO pages (body) VALUES (zeroblob(4000))") }
            }
        }
    }

    @Test func committedPagesReachTheDatabaseFileWithoutTheWriterCheckpointing() async throws {
        try await withDatabase { path, database, _ in
            let before = fileSize(path)
            // ~600 pages: under the 1,000 at which the writer would checkpoint itself.
            try await insertPages(600, into: database)
            var copied = false
            for _ in 0..<500 where !copied {
                copied = fileSize(path) - before >= 550 * 4096
                if !copied { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(copied, "the database file grew by \(fileSize(path) - before) bytes")
        }
    }

    @Test func underSteadyWritesTheWALStillStartsOver() async throws {
        try await withDatabase { path, database, _ in
            // 8,000 pages in transactions of 100 while the checkpointer runs every 20 ms: a WAL
            // that never started over would hold them all (~33 MB).
            try await insertPages(8_000, into: database)
            let walPages = fileSize(path + "-wal") / (4096 + 24)
            #expect(walPages < 2_500, "the WAL holds \(walPages) pages")
        }
    }
}

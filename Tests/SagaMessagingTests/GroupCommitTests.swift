import Foundation
import GRDB
import Synchronization
import Testing
@testable import SagaMessaging

/// Counts the commits of a database's writer connection.
final class CommitCounter: TransactionObserver, @unchecked Sendable {
    private let count = Mutex(0)
    var commits: Int { count.withLock { $0 } }
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) { count.withLock { $0 += 1 } }
    func databaseDidRollback(_ db: Database) {}
}

/// Why a test write refuses.
struct RefusedWrite: Error, Equatable { let row: Int }

/// Group commit: writes waiting while the writer is busy share one transaction; one that
/// throws is rolled back alone.
@Suite struct GroupCommitTests {
    let directory = NSTemporaryDirectory() + "group-commit-\(UUID().uuidString)"

    func openDatabase() throws -> DatabasePool {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("rows") { db in try db.execute(sql: "CREATE TABLE rows (n INTEGER PRIMARY KEY)") }
        return try ServiceDatabase.open(path: directory + "/db.sqlite", migrator: migrator)
    }

    /// Holds the database's writer until `release` runs, so writes pile up behind it.
    func holdWriter(_ database: DatabasePool) -> @Sendable () -> Void {
        let gate = DispatchSemaphore(value: 0)
        let held = DispatchSemaphore(value: 0)
        database.asyncWriteWithoutTransaction { _ in
            held.signal()
            gate.wait()
        }
        held.wait()
        return { gate.signal() }
    }

    @Test func writesQueuedWhileTheWriterIsBusyShareOneCommitAndAFailingOneIsRolledBackAlone() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try openDatabase()
        let commits = CommitCounter()
        database.add(transactionObserver: commits, extent: .databaseLifetime)
        let writer = GroupCommit(database: database)
        let release = holdWriter(database)
        let results = Task {
            await withTaskGroup(of: (Int, Result<Int, RefusedWrite>).self) { group in
                for n in 0..<50 {
                    group.addTask {
                        do {
                            return (n, .success(try await writer.write { db in
                                try db.execute(sql: "INSERT INTO rows VALUES (?)", arguments: [n])
                                if n == 25 { throw RefusedWrite(row: n) }
                                return n
                            }))
                        } catch {
                            return (n, .failure(error as! RefusedWrite))
                        }
                    }
                }
                return await group.reduce(into: [Int: Result<Int, RefusedWrite>]()) { $0[$1.0] = $1.1 }
            }
        }
        // Let all fifty queue up behind the held writer (waiting on the queue, not on a clock:
        // a fixed 300 ms was too short on a loaded CI machine).
        let deadline = ContinuousClock.now + .seconds(20)
        while writer.queuedWrites < 50, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(writer.queuedWrites == 50)
        release()
        let outcome = await results.value
        #expect(outcome.count == 50)
        #expect(outcome[25] == .failure(RefusedWrite(row: 25)))
        #expect(outcome.filter { $0.key != 25 }.allSatisfy { $0.value == .success($0.key) })
        let rows = try await database.read { try Int.fetchAll($0, sql: "SELECT n FROM rows ORDER BY n") }
        #expect(rows == Array(0..<50).filter { $0 != 25 })
        #expect(commits.commits <= 2, "\(commits.commits) commits for 50 writes queued together")
    }

    /// When SQLite rolls a group's transaction back in the middle (here a write ends it, as a
    /// full disk would), the writes after it must not run on their own: a savepoint would open
    /// a new transaction that its release commits. The whole group fails and nothing stays.
    @Test func aGroupWhoseTransactionSQLiteRolledBackFailsWholeAndKeepsNothing() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try openDatabase()
        let writer = GroupCommit(database: database)
        let release = holdWriter(database)
        let jobs: [@Sendable (Database) throws -> Void] = [
            { db in try db.run("INSERT INTO rows VALUES (1)") },
            { db in try db.run("ROLLBACK TRANSACTION") },
            { db in try db.run("INSERT INTO rows VALUES (3)") },
        ]
        var tasks: [Task<Bool, Never>] = []
        for (index, job) in jobs.enumerated() {
            // One at a time, so that they queue in this order.
            tasks.append(Task { (try? await writer.write { db in try job(db) }) != nil })
            let deadline = ContinuousClock.now + .seconds(20)
            while writer.queuedWrites < index + 1, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(writer.queuedWrites == 3)
        release()
        var succeeded: [Bool] = []
        for task in tasks { succeeded.append(await task.value) }
        #expect(succeeded == [false, false, false])
        #expect(try await database.read { try Int.fetchAll($0, sql: "SELECT n FROM rows") } == [])
        // The writer is sound afterwards.
        try await writer.write { db in try db.run("INSERT INTO rows VALUES (4)") }
        #expect(try await database.read { try Int.fetchAll($0, sql: "SELECT n FROM rows") } == [4])
    }

    @Test func aWriteAloneThatThrowsLeavesNothingAndTheNextOneCommits() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try openDatabase()
        let writer = GroupCommit(database: database)
        await #expect(throws: RefusedWrite(row: 1)) {
            try await writer.write { db in
                try db.execute(sql: "INSERT INTO rows VALUES (1)")
                throw RefusedWrite(row: 1)
            }
        }
        #expect(try await writer.write { db in try db.execute(sql: "INSERT INTO rows VALUES (2)"); return 2 } == 2)
        #expect(try await database.read { try Int.fetchAll($0, sql: "SELECT n FROM rows") } == [2])
    }

    /// A transaction of writes that need not be durable runs without its WAL sync
    /// (`synchronous = NORMAL`); one with any durable write syncs; FULL is back afterwards.
    @Test func onlyTransactionsWithADurableWriteSync() async throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try openDatabase()
        let writer = GroupCommit(database: database)
        #expect(try await writer.write(durable: false) { db in try Self.level(db) } == 1)
        #expect(try await writer.write { db in try Self.level(db) } == 2)

        // Queued together behind a busy writer: one durable write makes the whole transaction sync.
        let release = holdWriter(database)
        async let relaxed = writer.write(durable: false) { db in try Self.level(db) }
        async let strict = writer.write { db in try Self.level(db) }
        while writer.queuedWrites < 2 { try await Task.sleep(for: .milliseconds(5)) }
        release()
        #expect(try await relaxed == 2)
        #expect(try await strict == 2)
        #expect(try await database.write { db in try Self.level(db) } == 2, "FULL is restored after a relaxed commit")
    }

    /// The writer connection's `synchronous` level.
    @Sendable static func level(_ db: Database) throws -> Int { try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
}

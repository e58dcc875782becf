import Foundation
import GRDB
import Testing
@testable import SagaMessaging

/// Statements bound and read through SQLite's C API: values survive the round trip exactly as
/// GRDB would have stored them, and a failed or half-read statement leaves nothing behind.
@Suite struct DirectStatementsTests {
    func openDatabase() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, amount INTEGER, payload BLOB)")
        }
        return queue
    }

    @Test func valuesComeBackAsTheyWereBoundAndAsGRDBReadsThem() throws {
        let queue = try openDatabase()
        let names: [String?] = ["", "plain", "ünïcödé ✓ 🧾", "quote ' and \"", "nul \u{0} inside", nil]
        let amounts: [Int64?] = [0, -1, .max, .min, 42, nil]
        let payloads: [[UInt8]] = [[], [0], [0xFF, 0, 1], Array(repeating: 7, count: 5000), [1], [2]]
        try queue.write { db in
            for index in names.indices {
                try db.run("INSERT INTO t (id, name, amount, payload) VALUES (?, ?, ?, ?)") {
                    $0.bind(index)
                    $0.bind(names[index])
                    $0.bind(amounts[index])
                    $0.bind(payloads[index])
                }
            }
        }
        let read = try queue.read { db in
            try db.allRows("SELECT name, amount, payload FROM t ORDER BY id") {
                ($0.optionalText(0), $0.optionalInt64(1), $0.bytes(2))
            }
        }
        #expect(read.map(\.0) == names)
        #expect(read.map(\.1) == amounts)
        #expect(read.map(\.2) == payloads)
        // GRDB reads the same values back: an empty string is '' (not NULL), an empty blob is a blob.
        // (GRDB's strings end at a NUL; these keep their length, so the NUL case is left out.)
        let grdb = try queue.read { db in try Row.fetchAll(db, sql: "SELECT name, payload FROM t ORDER BY id") }
        #expect(grdb.map { $0[0] as String? }.enumerated().filter { $0.offset != 4 }.map(\.element)
                == names.enumerated().filter { $0.offset != 4 }.map(\.element))
        #expect(grdb[0][1] as Data? == Data(), "an empty payload is stored as an empty blob, not NULL")
        let typeOfEmpty = try queue.read { try String.fetchOne($0, sql: "SELECT typeof(name) FROM t WHERE id = 0") }
        #expect(typeOfEmpty == "text")
    }

    @Test func firstRowBindsAndReadsOneRowOrNone() throws {
        let queue = try openDatabase()
        try queue.write { db in
            for id in 1...3 { try db.run("INSERT INTO t (id, name) VALUES (?, ?)") { $0.bind(id); $0.bind("n\(id)") } }
        }
        let (second, ninth, count) = try queue.read { db in
            (try db.firstRow("SELECT name FROM t WHERE id = ?", bind: { $0.bind(2) }, read: { try $0.text(0) }),
             try db.firstRow("SELECT name FROM t WHERE id = ?", bind: { $0.bind(9) }, read: { try $0.text(0) }),
             try db.firstRow("SELECT COUNT(*) FROM t", read: { $0.int(0) }))
        }
        #expect(second == "n2")
        #expect(ninth == nil)
        #expect(count == 3)
    }

    @Test func aNullWhereTextIsExpectedIsAnErrorNotAnEmptyString() throws {
        let queue = try openDatabase()
        try queue.write { db in try db.run("INSERT INTO t (id, name) VALUES (1, NULL)") }
        #expect(throws: DatabaseError.self) {
            try queue.read { db in try db.firstRow("SELECT name FROM t", read: { try $0.text(0) }) }
        }
    }

    @Test func aParameterLeftUnboundIsRefusedAndTheStatementStillWorks() throws {
        let queue = try openDatabase()
        try queue.write { db in
            try db.run("INSERT INTO t (id, name) VALUES (?, ?)") { $0.bind(1); $0.bind("first") }
            // Without the count check, the second parameter would keep 'first' from the last use.
            let error = #expect(throws: DatabaseError.self) {
                try db.run("INSERT INTO t (id, name) VALUES (?, ?)") { $0.bind(2) }
            }
            #expect(error?.resultCode == .SQLITE_RANGE)
            let tooMany = #expect(throws: DatabaseError.self) {
                try db.run("INSERT INTO t (id, name) VALUES (?, ?)") { $0.bind(2); $0.bind("a"); $0.bind("b") }
            }
            #expect(tooMany?.resultCode == .SQLITE_RANGE)
            try db.run("INSERT INTO t (id, name) VALUES (?, ?)") { $0.bind(3); $0.bind("third") }
        }
        let rows = try queue.read { db in try db.allRows("SELECT id, name FROM t ORDER BY id") { ($0.int(0), try $0.text(1)) } }
        #expect(rows.map(\.0) == [1, 3])
        #expect(rows.map(\.1) == ["first", "third"])
    }

    @Test func aConstraintFailureThrowsSQLitesCodeAndTheStatementIsReusable() throws {
        let queue = try openDatabase()
        try queue.write { db in
            try db.run("INSERT INTO t (id) VALUES (?)") { $0.bind(1) }
            let error = #expect(throws: DatabaseError.self) { try db.run("INSERT INTO t (id) VALUES (?)") { $0.bind(1) } }
            #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY)
            #expect(error?.sql == "INSERT INTO t (id) VALUES (?)")
            try db.run("INSERT INTO t (id) VALUES (?)") { $0.bind(2) }
        }
        #expect(try queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM t") } == 2)
    }

    @Test func aHalfReadStatementIsResetSoItHoldsNoLock() throws {
        let queue = try openDatabase()
        try queue.write { db in
            for id in 1...5 { try db.run("INSERT INTO t (id) VALUES (?)") { $0.bind(id) } }
            #expect(try db.firstRow("SELECT id FROM t ORDER BY id", read: { $0.int(0) }) == 1)
            // A statement still stepping over `t` makes SQLite refuse to drop it ("table is locked").
            try db.execute(sql: "DROP TABLE t")
        }
    }

    @Test func aThrowingReaderResetsTheStatementToo() throws {
        struct Stop: Error {}
        let queue = try openDatabase()
        try queue.write { db in
            for id in 1...5 { try db.run("INSERT INTO t (id) VALUES (?)") { $0.bind(id) } }
            #expect(throws: Stop.self) { try db.allRows("SELECT id FROM t") { _ in throw Stop() } }
            try db.execute(sql: "DROP TABLE t")
        }
    }

    /// A write outside any transaction is refused: in the daemon that means SQLite rolled back
    /// the transaction it belonged to, and running it would commit it alone. Reads and
    /// transaction control still run.
    @Test func aWriteOutsideATransactionIsRefused() throws {
        let queue = try openDatabase()
        try queue.writeWithoutTransaction { db in
            let error = #expect(throws: DatabaseError.self) { try db.run("INSERT INTO t (id) VALUES (1)") }
            #expect(error?.resultCode == .SQLITE_ABORT)
            #expect(try db.firstRow("SELECT COUNT(*) FROM t", read: { $0.int(0) }) == 0)
            try db.run("BEGIN IMMEDIATE TRANSACTION")
            try db.run("INSERT INTO t (id) VALUES (2)")
            try db.run("COMMIT TRANSACTION")
        }
        #expect(try queue.read { try Int.fetchAll($0, sql: "SELECT id FROM t") } == [2])
    }
}

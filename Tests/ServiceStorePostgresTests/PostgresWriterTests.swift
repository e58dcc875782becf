import Testing

@testable import SagaMessaging
@testable import ServiceStorePostgres

/// `PostgresWriter`'s group commit against the real server `SAGAD_POSTGRES_URL` names.
@Suite(.enabled(if: postgresURL != nil, "needs SAGAD_POSTGRES_URL (make test-cluster starts a server)"))
struct PostgresWriterTests {
    private struct Refused: Error, Equatable {}

    /// Concurrent writes share transactions; one that throws is rolled back alone and gets its
    /// own error, and every other one commits and gets its own result.
    @Test func concurrentWritesShareTransactionsAndAFailingOneIsRolledBackAlone() async throws {
        let schema = try PostgresServiceSchema(name: "group_commit", steps: [
            .init("create writes", ["CREATE TABLE writes (n BIGINT PRIMARY KEY, tx BIGINT NOT NULL)"]),
        ])
        try await withFreshStore { _, store in
            _ = try await PostgresMigrator(schema).migrate(on: store.client, logger: testLogger)
            let writer = try await PostgresWriter(store: store, schema: schema, threadName: "pg-group", logger: testLogger)
            let results = await withTaskGroup(of: (Int, Result<Int64, Refused>).self) { group in
                for n in 0..<60 {
                    group.addTask {
                        do {
                            let n64 = Int64(n)
                            let value = try await writer.write { db -> Int64 in
                                try db.run("INSERT INTO writes (n, tx) VALUES (?, txid_current())") { $0.bind(n64) }
                                if n == 17 { throw Refused() }
                                return n64 * 10
                            }
                            return (n, .success(value))
                        } catch {
                            return (n, .failure(Refused()))
                        }
                    }
                }
                var results: [Int: Result<Int64, Refused>] = [:]
                for await (n, result) in group { results[n] = result }
                return results
            }
            let (rows, transactions) = try await writer.write { db in
                (try db.firstRow("SELECT COUNT(*) FROM writes") { $0.int64(0) } ?? -1,
                 try db.firstRow("SELECT COUNT(DISTINCT tx) FROM writes") { $0.int64(0) } ?? -1)
            }
            let seventeen = try await writer.write { db in
                try db.firstRow("SELECT n FROM writes WHERE n = 17") { $0.int64(0) }
            }
            await writer.close()
            #expect(results[17] == .failure(Refused()))
            #expect(results.filter { $0.key != 17 }.allSatisfy { $0.value == .success(Int64($0.key) * 10) })
            #expect(rows == 59)
            #expect(seventeen == nil, "the failing write's insert was rolled back")
            #expect(transactions < 59, "writes shared transactions (\(transactions) for 59 writes)")
        }
    }

    @Test func aWriteAfterCloseFailsAtOnce() async throws {
        try await withFreshStore { _, store in
            _ = try await PostgresMigrator(.checkout).migrate(on: store.client, logger: testLogger)
            let writer = try await PostgresWriter(store: store, schema: .checkout, threadName: "pg-closed", logger: testLogger)
            await writer.close()
            await #expect(throws: PostgresStoreError.writerClosed) {
                try await writer.write { db in try db.run("SELECT 1") }
            }
        }
    }
}

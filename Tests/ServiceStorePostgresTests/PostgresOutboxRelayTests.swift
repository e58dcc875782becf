import MessageLog
import PostgresNIO
import Testing

@testable import ServiceStorePostgres

/// The outbox relay against the real server `SAGAD_POSTGRES_URL` names: one relay per service
/// at a time, rows in `seq` order, and only appended rows deleted.
@Suite(.enabled(if: postgresURL != nil, "needs SAGAD_POSTGRES_URL (make test-cluster starts a server)"))
struct PostgresOutboxRelayTests {
    static let schema = PostgresServiceSchema.orders

    /// A relay on `store` (an "instance") appending to `log`.
    static func relay(_ store: PostgresStore, _ log: RecordingLog, batchSize: Int) -> PostgresOutboxRelay {
        PostgresOutboxRelay(store: store, schema: schema, log: log, logger: testLogger, batchSize: batchSize, record: testRecord)
    }

    /// A fresh, migrated database and two instances on it, each with its own pool and relay,
    /// both appending to one log; `body` gets the first instance's store.
    static func withTwoInstances(
        batchSize: Int = 1000,
        _ body: (PostgresStore, RecordingLog, PostgresOutboxRelay, PostgresOutboxRelay) async throws -> Void
    ) async throws {
        try await withFreshStore { database, store in
            try await PostgresMigrator(schema).migrate(on: store.client, logger: testLogger)
            let other = database.store()
            let log = RecordingLog()
            do {
                try await body(store, log, relay(store, log, batchSize: batchSize), relay(other, log, batchSize: batchSize))
            } catch {
                await other.close()
                throw error
            }
            await other.close()
        }
    }

    /// The advisory locks held in the current database (pg_locks covers the whole server).
    static let advisoryLocksHere = """
        FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
        """

    @Test func oneInstanceAtATimeHoldsTheLockAndItPassesOnWhenTheHolderCloses() async throws {
        try await Self.withTwoInstances { store, log, first, second async throws in
            #expect(try await first.acquire())
            #expect(try await !second.acquire())
            #expect(try await first.acquire(), "the holder keeps it")
            await #expect(throws: PostgresStoreError.relayLockNotHeld(schema: "orders")) { try await second.relayOnce() }
            await first.release()
            #expect(try await second.acquire())
            #expect(try await !first.acquire())
            await second.release()
        }
    }

    /// The holder's session dies (its process or network gone): PostgreSQL frees the lock and
    /// another instance takes it; the old holder's next batch fails instead of relaying.
    @Test func theLockPassesOnWhenTheHoldersConnectionDies() async throws {
        try await Self.withTwoInstances { store, log, first, second async throws in
            #expect(try await first.acquire())
            #expect(try await !second.acquire())
            let killed = try await strings("SELECT pg_terminate_backend(pid)::text \(Self.advisoryLocksHere) AND granted", on: store.client)
            #expect(killed == ["true"])
            var taken = false
            for _ in 0..<50 where !taken {
                taken = try await second.acquire()
                if !taken { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(taken)
            try await enqueue([outboxRow("a", topic: "order_pending")], schema: Self.schema, store: store)
            await #expect(throws: (any Error).self) { try await first.relayOnce() }
            #expect(try await second.relayOnce() == 1)
            #expect(log.values(in: "order_pending") == ["a"])
            await second.release()
        }
    }

    /// Rows go in `seq` order, per topic, in batches; each batch deletes what it appended.
    @Test func rowsGoInSeqOrderAndOnlyAppendedRowsAreDeleted() async throws {
        try await Self.withTwoInstances(batchSize: 3) { store, log, relay, _ async throws in
            #expect(try await relay.acquire())
            try await enqueue([
                outboxRow("p1", topic: "order_pending"), outboxRow("c1", topic: "order_canceled"),
                outboxRow("p2", topic: "order_pending"), outboxRow("p3", topic: "order_pending"),
                outboxRow("c2", topic: "order_canceled"),
            ], schema: Self.schema, store: store)
            #expect(try await relay.relayOnce() == 3)
            #expect(log.values(in: "order_pending") == ["p1", "p2"])
            #expect(log.values(in: "order_canceled") == ["c1"])
            #expect(try await PostgresOutbox.backlog(schema: Self.schema, on: store.client, logger: testLogger) == 2)
            // A failed append deletes nothing: the rows go with the next batch.
            log.setFailing(true)
            await #expect(throws: RecordingLog.AppendError.self) { try await relay.relayOnce() }
            #expect(try await PostgresOutbox.backlog(schema: Self.schema, on: store.client, logger: testLogger) == 2)
            log.setFailing(false)
            #expect(try await relay.relayOnce() == 2)
            #expect(try await relay.relayOnce() == 0)
            #expect(log.values(in: "order_pending") == ["p1", "p2", "p3"])
            #expect(log.values(in: "order_canceled") == ["c1", "c2"])
            #expect(log.appended.map { $0.record.key } == Array(repeating: Array("order-1".utf8), count: 5))
            await relay.release()
        }
    }

    /// A row whose transaction commits while a later-numbered row is being appended is relayed
    /// by the next batch, not deleted unseen by a "delete through the last seq".
    @Test func aRowCommittedLateWithALowerSeqIsNotLost() async throws {
        try await Self.withTwoInstances { store, log, relay, _ async throws in
            #expect(try await relay.acquire())
            let slow = try await store.openConnection()
            try await slow.query("BEGIN", logger: testLogger)
            try await PostgresOutbox.enqueue(outboxRow("late", topic: "order_pending", key: "order-2"), schema: Self.schema,
                                             createdAtMillis: 1, on: slow, logger: testLogger)
            try await enqueue([outboxRow("early", topic: "order_pending")], schema: Self.schema, store: store)
            log.duringNextAppend { try await slow.query("COMMIT", logger: testLogger) }
            #expect(try await relay.relayOnce() == 1)
            try await slow.close()
            #expect(try await relay.relayOnce() == 1)
            #expect(log.values(in: "order_pending") == ["early", "late"])
            await relay.release()
        }
    }

    /// Two instances running their relays at once: every row reaches the log exactly once and
    /// one order's rows in their order, whichever instance relays them.
    @Test func twoRunningRelaysDeliverEveryRowOnceInOrder() async throws {
        try await Self.withTwoInstances(batchSize: 7) { store, log, first, second async throws in
            let relays = [first, second]
            let running = relays.map { relay in Task { await relay.run(idle: .milliseconds(20)) } }
            for batch in 0..<10 {
                try await enqueue((0..<10).map { outboxRow("\(batch * 10 + $0)", topic: "order_pending") }, schema: Self.schema, store: store)
                relays.forEach { $0.wake() }
            }
            for _ in 0..<200 where log.appended.count < 100 { try await Task.sleep(for: .milliseconds(50)) }
            running.forEach { $0.cancel() }
            for task in running { await task.value }
            #expect(log.values(in: "order_pending") == (0..<100).map { "\($0)" })
            #expect(try await PostgresOutbox.backlog(schema: Self.schema, on: store.client, logger: testLogger) == 0)
            // Closing the lock's connection frees the lock once the server has ended that
            // session, which it does a moment after the client closed it.
            var holders: [String] = []
            for _ in 0..<100 {
                holders = try await strings("SELECT count(*)::text \(Self.advisoryLocksHere)", on: store.client)
                if holders == ["0"] { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(holders == ["0"], "a cancelled run releases the lock")
        }
    }

    /// Rows committed by another instance (which cannot wake this relay in-process) are relayed
    /// at once, not at the relay's next poll: the schema's trigger announces them at commit and
    /// the relay holding the lock listens. With a one-minute poll, only the announcement can
    /// have woken it.
    @Test func rowsCommittedElsewhereAreAnnouncedToTheRelayHoldingTheLock() async throws {
        try await Self.withTwoInstances { store, log, relay, _ async throws in
            let running = Task { await relay.run(idle: .seconds(60)) }
            defer { running.cancel() }
            for _ in 0..<100 where await !relay.isRelaying { try await Task.sleep(for: .milliseconds(20)) }
            #expect(await relay.isRelaying)
            // Its first pass found nothing; give its listener a moment to be in place.
            try await Task.sleep(for: .milliseconds(500))
            let started = ContinuousClock.now
            try await enqueue([outboxRow("announced", topic: "order_pending")], schema: Self.schema, store: store)
            for _ in 0..<200 where log.appended.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            #expect(log.values(in: "order_pending") == ["announced"])
            #expect(ContinuousClock.now - started < .seconds(5), "relayed on the announcement, not the 60 s poll")
        }
    }
}

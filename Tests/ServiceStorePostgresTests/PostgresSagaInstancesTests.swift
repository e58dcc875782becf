import Foundation
import KafkaLog
import Logging
import MessageLog
import PostgresNIO
import SagaLog
import Testing

@testable import SagaMessaging
import SagaPostgres
@testable import ServiceStorePostgres

/// The saga's three services on PostgreSQL (the server `SAGAD_POSTGRES_URL` names) as two
/// instances would run them: each with its own hosts (writers, relays, consumers), sharing one
/// database and one log, whose consumer groups split the partitions between them. Orders are
/// placed through both; then one instance stops and the other carries on alone. Every order
/// settles, no order is charged twice, and the money adds up. On the embedded log, and on
/// Kafka (the broker `SAGAD_KAFKA_BOOTSTRAP` names: `make test-cluster` starts the emulator
/// and a PostgreSQL server for it).
@Suite(.enabled(if: postgresURL != nil, "needs SAGAD_POSTGRES_URL (make test-cluster starts a server)"))
struct PostgresSagaInstancesTests {
    /// One instance and its running task.
    private struct Instance {
        let saga: PostgresSagaInstance
        let running: Task<Void, Never>

        static func start(store: PostgresStore, log: any MessageLog & MessageLogAdmin, failing: Set<String>) async throws -> Instance {
            let saga = try await PostgresSagaInstance(store: store, log: log, failing: { failing.contains($0) }, logger: testLogger)
            return Instance(saga: saga, running: Task { await saga.run() })
        }

        func stop() async {
            running.cancel()
            await running.value
            await saga.close()
        }

        func place(_ id: String, cents: Int64) async throws {
            try await saga.place(id: id, accountID: "alice", amountCents: cents)
        }
    }

    @Test func twoInstancesOnTheEmbeddedLogSettleEveryOrderAndOneCarriesOnAlone() async throws {
        let (log, directory) = try temporarySagaLog(partitions: 4)
        defer { close(log, removing: directory) }
        try await twoInstancesSettleEveryOrderAndOneCarriesOnAlone(first: log, second: log)
    }

    @Test(.enabled(if: kafkaBootstrap != nil, "needs SAGAD_KAFKA_BOOTSTRAP (make test-cluster starts the emulator)"))
    func twoInstancesOnKafkaSettleEveryOrderAndOneCarriesOnAlone() async throws {
        // Each instance a client of its own, in one namespace: one cluster, two members per group.
        let namespace = "pg-saga.\(UUID().uuidString.prefix(8))."
        let configuration = KafkaConfiguration(
            bootstrapServers: kafkaBootstrap ?? "", namespace: namespace,
            properties: ["heartbeat.interval.ms": "300", "log_level": "3"])
        let (first, second) = (try KafkaLog(configuration: configuration), try KafkaLog(configuration: configuration))
        defer { try? first.close(); try? second.close() }
        for type in SagaEventType.allCases {
            try first.ensureTopic(type.topic, partitions: 4)
            try first.ensureTopic(type.deadLetterTopic, partitions: 1)
        }
        try await twoInstancesSettleEveryOrderAndOneCarriesOnAlone(first: first, second: second)
    }

    private func twoInstancesSettleEveryOrderAndOneCarriesOnAlone(
        first firstLog: any MessageLog & MessageLogAdmin, second secondLog: any MessageLog & MessageLogAdmin
    ) async throws {
        try await withFreshStore { _, store in
            // Every tenth order's fulfillment fails: it is refunded.
            let failing = Set((1...60).filter { $0 % 10 == 0 }.map { "o\($0)" })
            let first = try await Instance.start(store: store, log: firstLog, failing: failing)
            let second = try await Instance.start(store: store, log: secondLog, failing: failing)
            try await first.saga.checkout.host.write { db in
                try db.run("INSERT INTO accounts (id, balance_cents) VALUES ('alice', 1000000)")
                try db.run("INSERT INTO deposits (account_id, amount_cents, at) VALUES ('alice', 1000000, 0)")
            }
            for n in 1...40 { try await (n % 2 == 0 ? first : second).place("o\(n)", cents: Int64(n) * 100) }
            #expect(try await settled(40, in: store), "the first 40 orders settle with both instances running")
            await second.stop()
            for n in 41...60 { try await first.place("o\(n)", cents: Int64(n) * 100) }
            let allSettled = try await settled(60, in: store)
            await first.stop()

            #expect(allSettled, "all 60 settle after the second instance stopped")
            let statuses = try await rows("SELECT status || ' ' || COUNT(*) FROM orders.orders GROUP BY status ORDER BY status", store)
            #expect(statuses == ["finished 54", "refunded 6"])
            let charges = try await rows(
                "SELECT kind || ' ' || COUNT(*) || ' ' || SUM(amount_cents) FROM checkout.payment_movements GROUP BY kind ORDER BY kind",
                store)
            let refunded = failing.map { Int64($0.dropFirst())! * 100 }.reduce(0, +)
            #expect(charges == ["charge 60 \((1...60).reduce(0) { $0 + Int64($1) * 100 })", "refund 6 \(refunded)"])
            let balance = try await rows("SELECT balance_cents::text FROM checkout.accounts WHERE id = 'alice'", store)
            #expect(balance == ["\(1_000_000 - (1...60).reduce(0) { $0 + Int64($1) * 100 } + refunded)"])
        }
    }

    /// An instance that stops with fulfillments still being worked on leaves them pending; the
    /// next instance to start works on them, and their orders finish.
    @Test func fulfillmentsLeftPendingByAStoppedInstanceAreFinishedByTheNext() async throws {
        let (log, directory) = try temporarySagaLog(partitions: 2)
        defer { close(log, removing: directory) }
        try await withFreshStore { _, store in
            var settings = PostgresSagaInstance.Settings()
            settings.fulfillment.workDuration = .seconds(60)
            let slow = try await PostgresSagaInstance(store: store, log: log, settings: settings, logger: testLogger)
            let slowRunning = Task { await slow.run() }
            try await slow.checkout.host.write { db in
                try db.run("INSERT INTO accounts (id, balance_cents) VALUES ('alice', 10000)")
                try db.run("INSERT INTO deposits (account_id, amount_cents, at) VALUES ('alice', 10000, 0)")
            }
            for n in 1...5 { try await slow.place(id: "p\(n)", accountID: "alice", amountCents: 100) }
            let deadline = ContinuousClock.now + .seconds(20)
            var pending: [String] = []
            while ContinuousClock.now < deadline {
                pending = try await rows("SELECT COUNT(*)::text FROM fulfillment.fulfillments WHERE status = 'pending'", store)
                if pending == ["5"] { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            slowRunning.cancel()
            await slowRunning.value
            await slow.close()
            #expect(pending == ["5"], "the slow instance started all five and finished none")

            let next = try await PostgresSagaInstance(store: store, log: log, logger: testLogger)
            let nextRunning = Task { await next.run() }
            let finished = try await settled(5, in: store)
            nextRunning.cancel()
            await nextRunning.value
            await next.close()
            #expect(finished)
        }
    }

    /// Waits up to 30 s until `count` orders are settled (finished, or refunded).
    private func settled(_ count: Int, in store: PostgresStore) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let done = try await rows("SELECT COUNT(*)::text FROM orders.orders WHERE status IN ('finished', 'refunded')", store)
            if done == ["\(count)"] { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    private func rows(_ sql: String, _ store: PostgresStore) async throws -> [String] {
        try await strings(sql, on: store.client)
    }
}

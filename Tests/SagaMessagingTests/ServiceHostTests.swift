import GRDB
import MessageLog
import SagaLog
import Synchronization
import Testing
@testable import SagaMessaging

/// Records what the host's after-commit hook heard.
final class CommitLog: Sendable {
    private let events = Mutex<[String]>([])
    func record(_ batch: [SagaEvent]) { events.withLock { $0 += batch.map(\.orderID) } }
    var orders: [String] { events.withLock { $0 } }
}

/// The service host's wiring on a real log and database: the messaging tables in place, the
/// consumer applying and the relay publishing what the handler queued, and `run()` ending on
/// cancellation.
@Suite struct ServiceHostTests {
    @Test func consumesAppliesAndRelaysWhatTheHandlerQueuedUntilCancelled() async throws {
        let scratch = try ScratchLog("host", topics: ["order_pending": 2, "order_processing": 2])
        defer { scratch.close() }
        let (log, logger, directory) = (scratch.log, scratch.logger, scratch.directory)
        let commits = CommitLog()
        let host = try ServiceHost(
            name: "test", databasePath: directory + "/test.sqlite",
            schema: ServiceSchema([.sql("create effects", ["CREATE TABLE effects (order_id TEXT)"]), .messaging]),
            consumes: [.orderPending], log: log, retry: RetryPolicy(maxAttempts: 2, initialDelay: .milliseconds(1)),
            logger: logger,
            handler: { event, db in
                try db.execute(sql: "INSERT INTO effects VALUES (?)", arguments: [event.orderID])
                try Outbox.enqueue(SagaEvent(type: .orderProcessing, orderID: event.orderID), in: db)
            },
            afterCommit: { commits.record($0) })
        #expect(host.name == "test" && host.consumer.group == "test")
        #expect(try await host.database.read { try $0.tableExists("outbox") && $0.tableExists("inbox") })

        let running = Task { await host.run() }
        _ = try await log.append(try EventCodec.record(for: SagaEvent(type: .orderPending, orderID: "o1")), to: "order_pending")
        let deadline = ContinuousClock.now + .seconds(20)
        func published() throws -> Int {
            try (0..<2).reduce(0) { $0 + (try log.read(topic: "order_processing", partition: $1, from: 0, maxRecords: 10).count) }
        }
        // The relay appends first and deletes the outbox rows after: wait for both.
        while ContinuousClock.now < deadline {
            if try published() > 0, try await host.outboxBacklog() == 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try published() == 1)
        #expect(commits.orders == ["o1"])
        #expect(try await host.outboxBacklog() == 0)
        try await host.checkWriter()
        #expect(try await host.database.read { try String.fetchAll($0, sql: "SELECT order_id FROM effects") } == ["o1"])
        running.cancel()
        await running.value
    }
}

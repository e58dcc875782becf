import Foundation
import FulfillmentService
import GRDB
import Logging
import SagaLog
import SagaMessaging
import Synchronization
import Testing

/// The fulfillment workers on their own (a real log and database, no other service): many
/// orders through a small concurrency limit leave no worker behind.
@Suite struct FulfillmentWorkerTests {
    @Test func liveWorkersStayWithinTheConcurrencyLimitOverManyOrders() async throws {
        let directory = NSTemporaryDirectory() + "fulfillment-workers-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = LogConfiguration()
        configuration.durability = .never
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let log = try SagaLog.open(directory: directory + "/log", configuration: configuration, logger: logger)
        defer { try? log.close() }
        for type in SagaEventType.allCases { try log.createTopic(type.topic, partitions: 2) }
        let limit = 4
        let fulfillment = try FulfillmentService(
            databasePath: directory + "/fulfillment.sqlite", log: log,
            settings: FulfillmentSettings(workDuration: .zero, maxConcurrentWork: limit), logger: logger)

        let orders = 1000
        let events = try (0..<orders).map { try EventCodec.record(for: SagaEvent(type: .orderProcessing, orderID: "order-\($0)")) }
        _ = try await log.append(events, to: SagaEventType.orderProcessing.topic)
        let running = Task { await fulfillment.run() }
        var peak = 0
        var done = 0
        let deadline = ContinuousClock.now + .seconds(60)  // a bound for a loaded machine, not a wait
        while done < orders, ContinuousClock.now < deadline {
            peak = max(peak, fulfillment.liveWorkers)
            done = try await fulfillment.host.database.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fulfillments WHERE status = 'successful'") ?? 0
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        try #require(done == orders, "only \(done) of \(orders) fulfilled")
        peak = max(peak, fulfillment.liveWorkers)
        #expect(peak > 0, "no worker was ever seen: the probe is vacuous")
        #expect(peak <= limit, "\(peak) live workers with a limit of \(limit)")
        // The last workers may still be leaving after their commit.
        let settleBy = ContinuousClock.now + .seconds(10)
        while fulfillment.liveWorkers > 0, ContinuousClock.now < settleBy { try await Task.sleep(for: .milliseconds(5)) }
        #expect(fulfillment.liveWorkers == 0, "\(fulfillment.liveWorkers) workers left after every order was done")
        running.cancel()
        await running.value
    }

    /// A worker whose outcome write fails (here a trigger on the writer's connection refuses
    /// it) logs the failure with the order and its trace, retries, and records the outcome once
    /// the write goes through: the fulfillment does not stay pending.
    @Test func aFailedOutcomeWriteIsLoggedAndRetriedUntilItLands() async throws {
        let directory = NSTemporaryDirectory() + "fulfillment-retry-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = LogConfiguration()
        configuration.durability = .never
        let lines = LoggedLines()
        var logger = Logger(label: "test") { _ in lines }
        logger.logLevel = .error
        let log = try SagaLog.open(directory: directory + "/log", configuration: configuration, logger: logger)
        defer { try? log.close() }
        for type in SagaEventType.allCases { try log.createTopic(type.topic, partitions: 1) }
        let fulfillment = try FulfillmentService(
            databasePath: directory + "/fulfillment.sqlite", log: log,
            settings: FulfillmentSettings(workDuration: .zero, maxConcurrentWork: 2), logger: logger)
        try await fulfillment.host.database.write { db in
            try db.execute(sql: """
                CREATE TEMP TRIGGER refuse_outcomes BEFORE UPDATE OF status ON fulfillments
                BEGIN SELECT RAISE(ABORT, 'outcome refused by the test'); END
                """)
        }
        let trace = TraceContext.newTrace()
        let event = SagaEvent(type: .orderProcessing, orderID: "order-1", trace: trace)
        _ = try await log.append([try EventCodec.record(for: event)], to: SagaEventType.orderProcessing.topic)
        let running = Task { await fulfillment.run() }
        defer { running.cancel() }

        let deadline = ContinuousClock.now + .seconds(30)  // a bound for a loaded machine, not a wait
        while !lines.text.contains("cannot record fulfillment outcome"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(lines.text.contains("cannot record fulfillment outcome; retrying"), "\(lines.text)")
        #expect(lines.text.contains("order=order-1") && lines.text.contains("trace_id=\(trace.traceID)"), "\(lines.text)")
        func status() async throws -> String? {
            try await fulfillment.host.database.read { db in
                try String.fetchOne(db, sql: "SELECT status FROM fulfillments WHERE order_id = 'order-1'")
            }
        }
        #expect(try await status() == "pending")

        try await fulfillment.host.database.write { db in try db.execute(sql: "DROP TRIGGER temp.refuse_outcomes") }
        while try await status() != "successful", ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try await status() == "successful")
        running.cancel()
        await running.value
    }
}

/// A log handler that keeps every line it is given, as `message key=value ...`.
private final class LoggedLines: LogHandler, @unchecked Sendable {
    private let lines = Mutex<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    var text: String { lines.withLock { $0.joined(separator: "\n") } }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        let fields = self.metadata.merging(metadata ?? [:]) { $1 }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        lines.withLock { $0.append(([message.description] + fields).joined(separator: " ")) }
    }
}

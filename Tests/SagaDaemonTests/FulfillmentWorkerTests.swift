import Foundation
import FulfillmentService
import GRDB
import Logging
import SagaLog
import SagaMessaging
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
}

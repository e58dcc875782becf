import Foundation
import SagaAPI
import Testing
@testable import SagaControl

/// Serves a scripted sequence of order snapshots and remembers the `seen` values asked for.
private final class ScriptedOrders: @unchecked Sendable {
    private let lock = NSLock()
    private var snapshots: [Order]
    private(set) var seenValues: [Int] = []

    init(_ snapshots: [Order]) { self.snapshots = snapshots }

    func next(seen: Int) throws -> Order {
        try lock.withLock {
            seenValues.append(seen)
            guard !snapshots.isEmpty else { throw ControlError.notFound("script exhausted") }
            return snapshots.removeFirst()
        }
    }

    var asked: [Int] { lock.withLock { seenValues } }
}

private func change(_ status: String, _ second: Int, _ reason: String? = nil) -> StatusChange {
    StatusChange(status: status, at: "2025-03-01T10:00:0\(second)Z", reason: reason)
}

private func order(_ history: [StatusChange], settled: Bool) -> Order {
    Order(id: "ord_1", status: history.last?.status ?? "created", amount: "12.34", accountID: "alice",
          createdAt: "2025-03-01T10:00:00Z", updatedAt: "2025-03-01T10:00:00Z", settled: settled, history: history)
}

@Suite("order watch loop")
struct OrderWatcherTests {
    @Test("reports each history entry once, passes the seen count, and stops when settled")
    func printsOnlyNewEntries() async throws {
        let created = change("created", 0)
        let processing = change("processing", 1, "payment captured")
        let failed = change("failed", 2, "fulfillment failed")
        let refunded = change("refunded", 3, "refund issued")
        let script = ScriptedOrders([
            order([created], settled: false),
            order([created], settled: false),  // long poll timed out without news
            order([created, processing], settled: false),
            order([created, processing, failed, refunded], settled: true),
        ])
        var reported: [StatusChange] = []
        let final = try await OrderWatcher().watch(
            orderID: "ord_1", fetch: { seen, _ in try script.next(seen: seen) }, onChange: { reported.append($0) })

        #expect(reported == [created, processing, failed, refunded])
        #expect(script.asked == [0, 1, 1, 2])
        #expect(final.status == "refunded")
    }

    @Test("an order settled from the start prints its whole history and returns at once")
    func alreadySettled() async throws {
        let script = ScriptedOrders([order([change("created", 0), change("canceled", 1, "by user")], settled: true)])
        var lines: [String] = []
        let presenter = OrderPresenter(preciseTimestamps: TimestampFormatter(timeZone: TimeZone(identifier: "UTC")!, includeMilliseconds: true))
        _ = try await OrderWatcher().watch(
            orderID: "ord_1", fetch: { seen, _ in try script.next(seen: seen) },
            onChange: { lines.append(presenter.transitionLine($0)) })
        #expect(lines == [
            "2025-03-01 10:00:00.000  created     -",
            "2025-03-01 10:00:01.000  canceled    by user",
        ])
        #expect(script.asked == [0])
    }

    @Test("gives up with watchTimedOut after the overall timeout, naming the last status")
    func overallTimeout() async throws {
        let watcher = OrderWatcher(pollTimeout: .milliseconds(20), overallTimeout: .milliseconds(100))
        var waits: [Duration] = []
        await #expect(throws: ControlError.watchTimedOut(orderID: "ord_1", lastStatus: "processing", seconds: 0.1)) {
            _ = try await watcher.watch(
                orderID: "ord_1",
                fetch: { _, wait in
                    try await Task.sleep(for: wait)
                    return order([change("created", 0), change("processing", 1)], settled: false)
                },
                onChange: { _ in waits.append(.zero) })
        }
        #expect(waits.count == 2)
    }

    @Test("a settled flag absent from the answer falls back to the final statuses")
    func settledFallback() {
        var finished = order([change("finished", 1)], settled: false)
        finished.settled = nil
        #expect(finished.isSettled)
        var failed = finished
        failed.status = "failed"
        #expect(!failed.isSettled)
    }
}

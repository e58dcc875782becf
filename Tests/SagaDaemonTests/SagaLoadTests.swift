import Foundation
import OrderService
import SagaDaemon
import Testing

@Suite struct SagaLoadTests {
    @Test func aThousandConcurrentOrdersAllSettleWithMoneyConserved() async throws {
        let saga = try SagaHarness(failureRate: 0.2)
        defer { saga.close() }
        _ = try await saga.checkout.createAccount("small", balanceCents: 20_000)
        let task = saga.start()
        let clock = ContinuousClock()
        let start = clock.now
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<1000 {
                group.addTask {
                    let order = try await saga.orders.placeOrder(
                        amountCents: Int64(100 + i % 400), accountID: i % 10 == 0 ? "small" : nil, idempotencyKey: nil)
                    if i % 25 == 0 { _ = try? await saga.orders.cancel(order.id) }
                    return order.id
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for id in ids { _ = try await saga.settled(id, timeout: .seconds(60)) }
        let elapsed = clock.now - start
        print("saga throughput: 1000 orders settled in \(elapsed), \(Int(1000 / elapsed.secondsValue)) orders/s")
        #expect(await saga.eventually { await saga.drained() })
        await saga.stop(task)
        try await saga.checkInvariants(expectOrders: 1000)
        let counts = try await saga.orders.statusCounts()
        #expect(counts[.finished, default: 0] > 0)
        #expect(counts[.refunded, default: 0] > 0)
        #expect(counts[.canceled, default: 0] + counts[.finished, default: 0] + counts[.refunded, default: 0]
            + counts[.failed, default: 0] == 1000)
    }
}

extension Duration {
    var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

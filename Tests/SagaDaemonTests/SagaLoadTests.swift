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
        // Every 25th order is canceled at once, racing its payment; every 25th from 12 is canceled
        // only once it has left `created`, so that cancel must be refused (409).
        let placed = try await withThrowingTaskGroup(of: (String, CancelOutcome?).self) { group in
            for i in 0..<1000 {
                group.addTask {
                    let order = try await saga.orders.placeOrder(
                        amountCents: Int64(100 + i % 400), accountID: i % 10 == 0 ? "small" : nil, idempotencyKey: nil)
                    switch i % 25 {
                    case 0:
                        return (order.id, try await CancelOutcome(saga.orders, order.id))
                    case 12:
                        #expect(try await saga.eventually(timeout: .seconds(60)) {
                            try await saga.orders.order(order.id).status != .created
                        })
                        return (order.id, try await CancelOutcome(saga.orders, order.id))
                    default:
                        return (order.id, nil)
                    }
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        var settledStatus: [String: OrderStatus] = [:]
        for id in placed.keys { settledStatus[id] = try await saga.settled(id, timeout: .seconds(60)).status }
        let elapsed = clock.now - start
        print("saga throughput: 1000 orders settled in \(elapsed), \(Int(1000 / elapsed.secondsValue)) orders/s")
        let cancels = placed.compactMapValues { $0 }
        let accepted = cancels.values.filter { $0 == .accepted }.count
        #expect(cancels.count == 80)
        #expect(accepted > 0, "no cancel was accepted")
        #expect(accepted < cancels.count, "no cancel was refused")
        for (id, outcome) in cancels {
            #expect((settledStatus[id] == .canceled) == (outcome == .accepted),
                    "order \(id): cancel \(outcome), settled \(String(describing: settledStatus[id]))")
        }
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

/// How a cancel request ended: accepted (the order is canceled) or refused because the order
/// was past the pivot or already failed (the API's 409). Any other error fails the test.
enum CancelOutcome: Equatable {
    case accepted, refused

    init(_ orders: OrderService, _ id: String) async throws {
        do {
            let view = try await orders.cancel(id)
            #expect(view.status == .canceled, "an accepted cancel left order \(id) \(view.status)")
            self = .accepted
        } catch OrderError.cannotCancel(id: id, status: let status) {
            #expect(status != .created && status != .canceled, "cancel of \(id) refused in \(status)")
            self = .refused
        }
    }
}

extension Duration {
    var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

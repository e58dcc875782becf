import Foundation
import OrderService
import SagaDaemon
import Testing

@Suite struct SagaLoadTests {
    @Test func aThousandConcurrentOrdersAllSettleWithMoneyConserved() async throws {
        let saga = try SagaHarness(failureRate: 0.2)
        defer { saga.close() }
        _ = try await saga.checkout.createAccount("small", balanceCents: 20_000)
        // Three kinds of cancel. Before the services run: it must be accepted, and its
        // order_canceled then races the payment at checkout. Right after placing, under load: it
        // races the payment and may go either way. Once the order has left `created`: it must be
        // refused (the API's 409).
        var cancels: [String: CancelOutcome] = [:]
        for i in 0..<20 {
            let order = try await saga.orders.placeOrder(amountCents: Int64(100 + i), accountID: nil, idempotencyKey: nil)
            cancels[order.id] = try await CancelOutcome(saga.orders, order.id)
            #expect(cancels[order.id] == .accepted, "a cancel before anything ran was refused")
        }
        let task = saga.start()
        let clock = ContinuousClock()
        let start = clock.now
        let placed = try await withThrowingTaskGroup(of: (String, CancelOutcome?).self) { group in
            for i in 20..<1000 {
                group.addTask {
                    let order = try await saga.orders.placeOrder(
                        amountCents: Int64(100 + i % 400), accountID: i % 10 == 0 ? "small" : nil, idempotencyKey: nil)
                    switch i % 25 {
                    case 0:
                        return (order.id, try await CancelOutcome(saga.orders, order.id))
                    case 12:
                        // The order's change feed, not polling: a thousand orders keep the machine busy enough.
                        let moved = try await saga.orders.waitForChange(order.id, seenChanges: 1, untilTerminal: false,
                                                                          timeout: .seconds(60))
                        #expect(moved.status != .created, "order \(order.id) never left created")
                        let outcome = try await CancelOutcome(saga.orders, order.id)
                        #expect(outcome == .refused, "a cancel past `created` was accepted")
                        return (order.id, outcome)
                    default:
                        return (order.id, nil)
                    }
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        cancels.merge(placed.compactMapValues { $0 }) { first, _ in first }
        var settledStatus: [String: OrderStatus] = [:]
        for id in Set(placed.keys).union(cancels.keys) {
            settledStatus[id] = try await saga.settled(id, timeout: .seconds(60)).status
        }
        let elapsed = clock.now - start
        print("saga throughput: 980 orders settled in \(elapsed), \(Int(980 / elapsed.secondsValue)) orders/s")
        #expect(cancels.count == 20 + 2 * 39)
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

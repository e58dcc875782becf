import Foundation
import SagaAPI
import Testing
@testable import SagaControl

/// A bench follows orders through `BenchOrder`, which must read every order answer as `Order`
/// would for what the bench uses: the id, the status and whether it is settled.
@Suite struct BenchOrderTests {
    @Test(arguments: [
        ("created", nil), ("processing", nil), ("finished", nil), ("failed", nil), ("refunded", nil),
        ("canceled", nil), ("failed", true), ("failed", false), ("finished", false),
    ] as [(String, Bool?)])
    func readsAnOrderAsTheFullOrderDoes(status: String, settled: Bool?) throws {
        let order = Order(
            id: "ord-1", status: status, amount: "12.34", accountID: "acct", createdAt: "2026-11-28T06:00:00.000Z",
            updatedAt: "2026-11-28T06:00:01.000Z", settled: settled,
            history: [StatusChange(status: "created", at: "2026-11-28T06:00:00.000Z", reason: "order placed")])
        let json = try JSONEncoder().encode(order)
        let bench = try JSONDecoder().decode(BenchOrder.self, from: json)
        #expect(bench.id == order.id)
        #expect(bench.status == order.status)
        #expect(bench.isSettled == order.isSettled)
    }
}

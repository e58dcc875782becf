import Foundation
import GRDB
import Testing

/// `GET /v1/accounts`, `GET /v1/ledger` and `sagactl ledger`: the books an operator can check
/// without opening SQLite — and that say so when they do not balance.
@Suite(.blockingCalls) struct LedgerTests {
    @Test func theLedgerShowsEveryAccountAndCatchesBooksThatDoNotBalance() async throws {
        let daemon = DaemonProcess(settings: ["fulfillment.failure_rate": "0"])
        defer { daemon.cleanUp() }
        try await daemon.start()
        #expect(try daemon.call("POST", "/v1/accounts", ["id": "shop", "balance": "10.00"]).status == 201)
        #expect(try daemon.call("POST", "/v1/accounts/shop/deposit", ["amount": "1.00"]).status == 200)
        for _ in 0..<3 {
            #expect(try daemon.settledOrder(try daemon.placeOrder(amount: "2.00", account: "shop"))["status"] as? String == "finished")
        }

        let accounts = try daemon.call("GET", "/v1/accounts").json["accounts"] as? [[String: Any]] ?? []
        #expect(accounts.compactMap { $0["id"] as? String } == ["default", "shop"])
        #expect(accounts.last?["balance"] as? String == "5.00")
        let ledger = try daemon.call("GET", "/v1/ledger").json
        #expect(ledger["balanced"] as? Bool == true, "\(ledger)")
        let shop = try #require((ledger["accounts"] as? [[String: Any]])?.first { $0["id"] as? String == "shop" })
        #expect(shop["deposited"] as? String == "11.00" && shop["charged"] as? String == "6.00")
        #expect(shop["refunded"] as? String == "0.00" && shop["balance"] as? String == "5.00" && shop["balanced"] as? Bool == true)
        let table = try await sagactl(["ledger"], socket: daemon.socket)
        #expect(table.status == 0, "\(table.output)")
        #expect(table.output.split(separator: "\n").contains { $0.hasPrefix("shop") && $0.contains("11.00") && $0.hasSuffix("yes") },
                "\(table.output)")
        #expect(try await daemon.stop() == 0)

        // A balance changed behind checkout's back: the ledger says where, and sagactl fails.
        let books = try DatabaseQueue(path: daemon.stateDirectory + "/data/checkout.sqlite")
        try await books.write { try $0.execute(sql: "UPDATE accounts SET balance_cents = balance_cents + 1 WHERE id = 'shop'") }
        try books.close()
        let again = DaemonProcess(reuse: daemon)
        defer { again.cleanUp() }
        try await again.start()
        #expect(try again.call("GET", "/v1/ledger").json["balanced"] as? Bool == false)
        let failing = try await sagactl(["ledger"], socket: again.socket)
        #expect(failing.status == 1 && failing.output.contains("does not balance for shop"), "\(failing.output)")
        #expect(try await again.stop() == 0)
    }
}

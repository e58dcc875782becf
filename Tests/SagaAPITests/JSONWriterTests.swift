import Foundation
import Testing
@testable import SagaAPI

/// The hand-written order bodies must be exactly what `JSONEncoder` with sorted keys writes.
@Suite struct JSONWriterTests {
    private static let awkwardText: String = {
        var text = (0..<0x20).map { String(Character(Unicode.Scalar(UInt8($0)))) }.joined()
        return text + #""\/ é€😀"# + "\u{7f}\u{2028}"
    }()

    private static let orders: [Order] = [
        Order(id: "ord_1", status: "pending", amount: "12.34", accountID: "acct_default",
              createdAt: "2026-11-28T06:00:00.000Z", updatedAt: "2026-11-28T06:00:00.000Z", settled: nil, history: nil),
        Order(id: "ord_2", status: "finished", amount: "0.01", accountID: "acct/with\"quotes",
              createdAt: "2026-11-28T06:00:00.000Z", updatedAt: "2026-11-28T06:00:01.000Z", settled: true,
              history: [StatusChange(status: "pending", at: "2026-11-28T06:00:00.000Z", reason: nil),
                        StatusChange(status: "failed", at: "2026-11-28T06:00:01.000Z", reason: awkwardText)]),
        Order(id: awkwardText, status: "canceled", amount: "1000000.00", accountID: "a", createdAt: "", updatedAt: "",
              settled: false, history: []),
    ]

    private func encoderText(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test(arguments: orders)
    func anOrderIsWrittenAsTheEncoderWritesIt(order: Order) throws {
        #expect(String(decoding: order.jsonBytes, as: UTF8.self) == (try encoderText(order)))
    }

    @Test func aPageIsWrittenAsTheEncoderWritesIt() throws {
        for page in [OrderPage(orders: Self.orders, nextAfter: "ord_3"), OrderPage(orders: [], nextAfter: nil)] {
            #expect(String(decoding: page.jsonBytes, as: UTF8.self) == (try encoderText(page)))
        }
    }

    @Test func anOrderRequestIsWrittenAsTheEncoderWritesIt() throws {
        for request in [OrderRequest(amount: "12.34", accountID: Self.awkwardText), OrderRequest(amount: nil, accountID: "a"),
                        OrderRequest(amount: "1", accountID: nil), OrderRequest(amount: nil, accountID: nil)] {
            #expect(String(decoding: request.jsonBytes, as: UTF8.self) == (try encoderText(request)))
        }
    }

    @Test func everyControlCharacterAndSlashIsEscaped() {
        var writer = JSONWriter()
        writer.array(["a/b", "\u{1}\u{8}\u{c}"]) { json, text in json.string(text) }
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"["a\/b","\u0001\b\f"]"#)
    }
}

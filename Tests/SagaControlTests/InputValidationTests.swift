import ArgumentParser
import Testing
@testable import SagaControl

@Suite("Input validation")
struct InputValidationTests {
    @Test("accepts amounts matching ^[0-9]{1,12}(\\.[0-9]{1,2})?$",
          arguments: ["0", "1", "12.34", "5.0", "999999999999", "999999999999.99", "007.5"])
    func acceptsValidAmounts(_ amount: String) {
        #expect(InputValidation.isValidAmount(amount))
    }

    @Test("rejects other amounts",
          arguments: ["", ".5", "5.", "1.234", "-1", "+1", "1e3", "1,00", " 1", "1 ", "1234567890123",
                      "12.3.4", "١٢", "0x10", "12.a"])
    func rejectsInvalidAmounts(_ amount: String) {
        #expect(!InputValidation.isValidAmount(amount))
    }

    @Test("a bad --amount is a usage error (exit 64) naming the option")
    func badAmountIsUsageError() {
        #expect(throws: (any Error).self) { try OrderCreateCommand.parse(["--amount", "12.345"]) }
        do {
            _ = try OrderCreateCommand.parse(["--amount", "12.345"])
        } catch {
            #expect(OrderCreateCommand.exitCode(for: error) == .validationFailure)
            #expect(OrderCreateCommand.exitCode(for: error).rawValue == 64)
            #expect(OrderCreateCommand.message(for: error).contains("--amount must be a decimal amount"))
        }
    }

    @Test("limits must be positive and at most 1000")
    func limits() throws {
        #expect(throws: (any Error).self) { try OrderListCommand.parse(["--limit", "0"]) }
        #expect(throws: (any Error).self) { try OrderListCommand.parse(["--limit", "-3"]) }
        #expect(throws: (any Error).self) { try NotificationsCommand.parse(["--limit", "1001"]) }
        #expect(throws: (any Error).self) { try BenchCommand.parse(["--orders", "0", "--concurrency", "1"]) }
        #expect(throws: (any Error).self) { try BenchCommand.parse(["--orders", "5", "--concurrency", "0"]) }
        let list = try OrderListCommand.parse(["--limit", "1000", "--status", "failed"])
        #expect(list.limit == 1000)
        #expect(list.status == "failed")
    }

    @Test("account commands validate balance and amount")
    func accountAmounts() throws {
        #expect(throws: (any Error).self) { try AccountCreateCommand.parse(["alice", "--balance", "ten"]) }
        #expect(throws: (any Error).self) { try AccountDepositCommand.parse(["alice", "--amount", "5.001"]) }
        let deposit = try AccountDepositCommand.parse(["alice", "--amount", "5.00"])
        #expect(deposit.amount == "5.00")
    }

    @Test("group reset needs --offset exactly when --to offset")
    func resetOffset() throws {
        #expect(throws: (any Error).self) { try GroupResetCommand.parse(["checkout", "--to", "offset"]) }
        #expect(throws: (any Error).self) { try GroupResetCommand.parse(["checkout", "--to", "latest", "--offset", "3"]) }
        #expect(throws: (any Error).self) { try GroupResetCommand.parse(["checkout", "--to", "middle"]) }
        let reset = try GroupResetCommand.parse(["checkout", "--to", "offset", "--offset", "7", "--topic", "order_pending"])
        #expect(reset.to == .offset)
        #expect(reset.offset == 7)
    }
}

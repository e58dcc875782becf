import Testing
import SagaMessaging

@Suite struct MoneyTests {
    @Test(arguments: [("12.34", 1234), ("12", 1200), ("12.3", 1230), ("0.01", 1), ("100000000000", 10_000_000_000_000)])
    func parsesDecimalStrings(text: String, cents: Int64) throws {
        #expect(try Money.parseCents(text) == cents)
    }

    @Test func rejectsWhatIsNotAPlainPositiveAmount() throws {
        #expect(throws: Money.ParseError.tooPrecise("1.234")) { try Money.parseCents("1.234") }
        #expect(throws: Money.ParseError.notPositive("0")) { try Money.parseCents("0") }
        #expect(throws: Money.ParseError.notPositive("-5")) { try Money.parseCents("-5") }
        #expect(throws: Money.ParseError.tooLarge("100000000000.01")) { try Money.parseCents("100000000000.01") }
        #expect(throws: Money.ParseError.tooLarge("99999999999999999999")) { try Money.parseCents("99999999999999999999") }
        for bad in ["", "abc", "1e3", " 1", "1.", ".5", "1,00", "+1", "0x10", "1.2.3", "NaN"] {
            #expect(throws: Money.ParseError.self, "\(bad)") { try Money.parseCents(bad) }
        }
        #expect(try Money.parseCents("0", allowZero: true) == 0)
    }

    @Test func formatsCents() {
        #expect(Money.format(1234) == "12.34")
        #expect(Money.format(5) == "0.05")
        #expect(Money.format(100) == "1.00")
        #expect(Money.format(-5) == "-0.05")
    }

    @Test func retryDelaysGrowAndAreCapped() {
        let policy = RetryPolicy(maxAttempts: 6, initialDelay: .milliseconds(10), multiplier: 2, maxDelay: .milliseconds(50))
        #expect((1...6).map { policy.delay(beforeAttempt: $0) }
            == [.zero, .milliseconds(10), .milliseconds(20), .milliseconds(40), .milliseconds(50), .milliseconds(50)])
    }

    @Test func sortableIDsSortByCreationTime() {
        let earlier = SortableID.make(millis: 1_000_000)
        let later = SortableID.make(millis: 1_000_001)
        #expect(earlier < later)
        #expect(earlier.count == 36)
        #expect(Set((0..<1000).map { _ in SortableID.make() }).count == 1000)
    }

    /// Event ids: RFC 4122 version 7 text (time first, so indexes grow at one edge), never
    /// repeated, from a source that needs no file descriptor (getrandom, through `RandomBits`).
    @Test func eventIDsAreVersion7AndDistinct() {
        let ids = (0..<10_000).map { _ in SagaEvent(type: .orderPending, orderID: "o").id }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(100) {
            let parts = id.split(separator: "-")
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12], "\(id)")
            #expect(parts[2].first == "7" && "89ab".contains(parts[3].first!), "\(id)")
        }
    }

    /// The buffered source (`RandomBits`: 512 words per getrandom) hands each word out once,
    /// also to many threads at a time and across its refills.
    @Test func idsMadeConcurrentlyNeverRepeat() async {
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<2_500).map { _ in SortableID.make() } }
            }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(ids.count == 20_000 && Set(ids).count == ids.count)
    }

    @Test func sortableIDsAreUUIDv7TextWithTheMillisecondsFirst() {
        let id = SortableID.make(millis: 0x0123_4567_89AB)
        let parts = id.split(separator: "-").map(String.init)
        #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
        #expect(parts[0] + parts[1] == "0123456789ab")
        #expect(parts[2].first == "7", "version nibble of \(id)")
        #expect("89ab".contains(parts[3].first!), "variant of \(id)")
        #expect(id.allSatisfy { "0123456789abcdef-".contains($0) })
    }
}

import Foundation
import Testing
@testable import SagaMessaging

/// `EventJSON` against Foundation's coders, which stay the authority: what it writes,
/// `JSONDecoder` reads as the same event; what it reads, it reads as `JSONDecoder` does (or
/// declines, and `JSONDecoder` decides).
@Suite struct EventJSONTests {
    /// xorshift64*, so a failure names a reproducible seed.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
    }

    static let alphabet: [String] = ["a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{01}", "\u{1F}", "é", "€", "😀", "{", "}", ",", ":"]

    static func text(_ random: inout Seeded) -> String {
        (0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined()
    }

    static func event(_ random: inout Seeded) -> SagaEvent {
        SagaEvent(
            id: text(&random), type: SagaEventType.allCases.randomElement(using: &random)!, orderID: text(&random),
            accountID: Bool.random(using: &random) ? text(&random) : nil,
            amountCents: Bool.random(using: &random) ? Int64.random(in: .min ... .max, using: &random) : nil,
            reason: Bool.random(using: &random) ? text(&random) : nil,
            occurredAtMillis: Int64.random(in: .min ... .max, using: &random))
    }

    @Test func whatItWritesFoundationReadsAsTheSameEvent() throws {
        var random = Seeded(state: 20_261_127)
        let sorted = JSONEncoder()
        sorted.outputFormatting = .sortedKeys
        for _ in 0..<2_000 {
            let event = Self.event(&random)
            let written = EventJSON.encode(event)
            #expect(try JSONDecoder().decode(SagaEvent.self, from: Data(written)) == event)
            #expect(EventJSON.decode(written) == event, "its own output is always on the fast path")
            #expect(EventJSON.decode(Array(try sorted.encode(event))) == event, "and so is JSONEncoder's")
        }
    }

    /// Damaged and hand-made values: the fast path either agrees with `JSONDecoder` or declines.
    @Test func itNeverDisagreesWithFoundation() throws {
        var random = Seeded(state: 7)
        let samples: [String] = [
            #"{"id":"a","type":"order_pending","order_id":"o","occurred_at_ms":1,"amount_cents":"12"}"#,
            #"{"id":"a","type":"order_pending","order_id":"o","occurred_at_ms":1.5}"#,
            #"{"id":"a","type":"order_pending","order_id":"o","occurred_at_ms":1,"extra":true}"#,
            #"{"id":null,"type":"order_pending","order_id":"o","occurred_at_ms":1}"#,
            #"{"id":"a","type":"nope","order_id":"o","occurred_at_ms":1}"#,
            #" { "id" : "\u0041\ud83d\ude00" , "type":"order_pending","order_id":"o","occurred_at_ms":-3 } "#,
            #"{"id":"a","type":"order_pending","order_id":"o","occurred_at_ms":99999999999999999999}"#,
            "[]", "", "{", "null",
        ]
        var inputs = samples.map { Array($0.utf8) }
        for _ in 0..<6_000 {
            var bytes = EventJSON.encode(Self.event(&random))
            for _ in 0..<Int.random(in: 1...3, using: &random) where !bytes.isEmpty {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes.remove(at: index)
                default: bytes.insert(Array(#"",:{}\0.-e"#.utf8).randomElement(using: &random)!, at: index)
                }
            }
            inputs.append(bytes)
        }
        var fast = 0
        for bytes in inputs {
            let foundation = try? JSONDecoder().decode(SagaEvent.self, from: Data(bytes))
            if let decoded = EventJSON.decode(bytes) {
                fast += 1
                #expect(decoded == foundation, "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(fast > 300, "most lightly damaged values still decode on the fast path")
    }

    /// What the fast path leaves to `JSONDecoder`: a name given twice or one it does not know
    /// (even with null), a name with an escape, integers past Int64. What it still takes: the
    /// extremes of Int64, escapes and non-ASCII text in values.
    @Test func itDeclinesWhatItCannotBeSureOfAndTakesTheEdgesItCan() {
        func decode(_ members: String) -> SagaEvent? {
            EventJSON.decode(Array(#"{"id":"a","type":"order_pending","order_id":"o",\#(members)}"#.utf8))
        }
        #expect(decode(#""occurred_at_ms":1"#)?.occurredAtMillis == 1)
        #expect(decode(#""occurred_at_ms":1,"occurred_at_ms":2"#) == nil, "a repeated name")
        #expect(decode(#""occurred_at_ms":1,"extra":null"#) == nil, "an unknown name")
        #expect(decode(#""occurred_at_ms":1,"re\u0061son":"x""#) == nil, "an escaped name")
        #expect(decode(#""occurred_at_ms":9223372036854775807"#)?.occurredAtMillis == .max)
        #expect(decode(#""occurred_at_ms":-9223372036854775808"#)?.occurredAtMillis == .min)
        #expect(decode(#""occurred_at_ms":9223372036854775808"#) == nil)
        #expect(decode(#""occurred_at_ms":-9223372036854775809"#) == nil)
        #expect(decode(#""occurred_at_ms":-"#) == nil)
        #expect(decode(#""occurred_at_ms":007"#) == nil)
        #expect(decode(#""occurred_at_ms":1,"reason":null"#)?.reason == nil)
        #expect(decode(#""occurred_at_ms":1,"reason":"tab\there \"ü\" \u001f""#)?.reason == "tab\there \"ü\" \u{1f}")
        #expect(decode(#""occurred_at_ms":1,"reason":"ünïcödé ✓""#)?.reason == "ünïcödé ✓")
        #expect(EventJSON.decode(Array(#"{"id":"a","type":"order_pending","order_id":"\#u{FF}","occurred_at_ms":1}"#.utf8)) != nil)
        var invalid = Array(#"{"id":"a","type":"order_pending","order_id":"x","occurred_at_ms":1}"#.utf8)
        invalid[invalid.firstIndex(of: UInt8(ascii: "x"))!] = 0xFF
        #expect(EventJSON.decode(invalid) == nil, "bytes that are not UTF-8")
    }
}

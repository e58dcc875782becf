/// The JSON of a `SagaEvent`, written and read without Foundation's coders, which cost more
/// than everything else an event hop does apart from SQLite (about 6% of the daemon's CPU).
/// The text is what `JSONEncoder` with sorted keys writes (absent optionals left out), so
/// records stay readable by any JSON tool and by older versions. `decode` handles the flat
/// objects events are; anything else (or anything odd) returns nil and the caller falls back
/// to `JSONDecoder`, which stays the authority on what is valid.
enum EventJSON {
    static func encode(_ event: SagaEvent) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + (event.reason?.utf8.count ?? 0))
        out.append(UInt8(ascii: "{"))
        var first = true
        func key(_ name: StaticString) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            name.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        if let account = event.accountID { key("account_id"); appendString(account, to: &out) }
        if let amount = event.amountCents { key("amount_cents"); out.append(contentsOf: String(amount).utf8) }
        key("id"); appendString(event.id, to: &out)
        key("occurred_at_ms"); out.append(contentsOf: String(event.occurredAtMillis).utf8)
        key("order_id"); appendString(event.orderID, to: &out)
        if let reason = event.reason { key("reason"); appendString(reason, to: &out) }
        key("type"); appendString(event.type.rawValue, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    private static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hexDigit(byte >> 4))
                out.append(hexDigit(byte & 0xF))
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    private static let stringFields: Set = ["account_id", "id", "order_id", "reason", "type"]
    private static let integerFields: Set = ["amount_cents", "occurred_at_ms"]

    /// The event in `bytes`, or nil when they are not a flat object of the event's fields in
    /// the simple forms `encode` writes (the caller then asks `JSONDecoder`).
    static func decode(_ bytes: [UInt8]) -> SagaEvent? {
        var reader = Reader(bytes: bytes)
        var strings: [String: String] = [:]
        var integers: [String: Int64] = [:]
        guard reader.skip(UInt8(ascii: "{")) else { return nil }
        if !reader.skip(UInt8(ascii: "}")) {
            repeat {
                guard let name = reader.string(), reader.skip(UInt8(ascii: ":")) else { return nil }
                if let text = reader.string() {
                    strings[name] = text
                } else if let number = reader.integer() {
                    integers[name] = number
                } else if reader.literal("null") {
                    continue
                } else {
                    return nil
                }
            } while reader.skip(UInt8(ascii: ","))
            guard reader.skip(UInt8(ascii: "}")) else { return nil }
        }
        guard reader.atEnd, let id = strings["id"], let typeName = strings["type"],
              let type = SagaEventType(rawValue: typeName), let orderID = strings["order_id"],
              let occurred = integers["occurred_at_ms"],
              strings.keys.allSatisfy(stringFields.contains), integers.keys.allSatisfy(integerFields.contains)
        else { return nil }
        return SagaEvent(
            id: id, type: type, orderID: orderID, accountID: strings["account_id"],
            amountCents: integers["amount_cents"], reason: strings["reason"], occurredAtMillis: occurred)
    }

    /// A cursor over JSON text that gives up (nil) on anything beyond flat events.
    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        var atEnd: Bool {
            mutating get {
                skipSpace()
                return position == bytes.count
            }
        }

        mutating func skipSpace() {
            while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
        }

        mutating func skip(_ byte: UInt8) -> Bool {
            skipSpace()
            guard position < bytes.count, bytes[position] == byte else { return false }
            position += 1
            return true
        }

        mutating func literal(_ word: StaticString) -> Bool {
            skipSpace()
            let count = word.utf8CodeUnitCount
            guard position + count <= bytes.count else { return false }
            let matches = word.withUTF8Buffer { Array($0) == Array(bytes[position..<(position + count)]) }
            if matches { position += count }
            return matches
        }

        /// An integer without fraction, exponent or leading zeros that fits Int64.
        mutating func integer() -> Int64? {
            skipSpace()
            let start = position
            if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
            let digits = position
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            // JSON has no leading zeros ("0" alone is fine).
            if position - digits > 1 && bytes[digits] == UInt8(ascii: "0") {
                position = start
                return nil
            }
            if position < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) {
                return nil
            }
            guard let value = Int64(String(decoding: bytes[start..<position], as: UTF8.self)) else {
                position = start
                return nil
            }
            return value
        }

        /// A string; escapes other than the ones `encode` writes (\" \\ \n \r \t \u00XX and
        /// \/) give nil.
        mutating func string() -> String? {
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
            var index = position + 1
            var text: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    position = index + 1
                    return String(validating: text, as: UTF8.self)
                }
                if byte < 0x20 { return nil }
                if byte != UInt8(ascii: "\\") {
                    text.append(byte)
                    index += 1
                    continue
                }
                guard index + 1 < bytes.count else { return nil }
                switch bytes[index + 1] {
                case UInt8(ascii: "\""): text.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): text.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): text.append(UInt8(ascii: "/"))
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "r"): text.append(0x0D)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "u"):
                    guard index + 5 < bytes.count, bytes[index + 2] == UInt8(ascii: "0"), bytes[index + 3] == UInt8(ascii: "0"),
                          let high = hexValue(bytes[index + 4]), let low = hexValue(bytes[index + 5]), high < 8
                    else { return nil }
                    text.append(high << 4 | low)
                    index += 4
                default: return nil
                }
                index += 2
            }
            return nil
        }

        private func hexValue(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
    }
}

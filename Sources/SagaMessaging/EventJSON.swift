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

    /// The fields an event has, each read into its own slot: names are matched as bytes, with no
    /// `String` made for them and no dictionary.
    private enum Field: Int, CaseIterable {
        case accountID, amountCents, id, occurredAt, orderID, reason, type

        var name: StaticString {
            switch self {
            case .accountID: "account_id"
            case .amountCents: "amount_cents"
            case .id: "id"
            case .occurredAt: "occurred_at_ms"
            case .orderID: "order_id"
            case .reason: "reason"
            case .type: "type"
            }
        }

        var isInteger: Bool { self == .amountCents || self == .occurredAt }
    }

    /// The event in `bytes`, or nil when they are not a flat object of the event's fields in
    /// the simple forms `encode` writes (the caller then asks `JSONDecoder`). A name it does not
    /// know, or one given twice, is left to `JSONDecoder` too.
    static func decode(_ bytes: [UInt8]) -> SagaEvent? {
        var reader = Reader(bytes: bytes)
        var strings = [String?](repeating: nil, count: Field.allCases.count)
        var integers = [Int64?](repeating: nil, count: Field.allCases.count)
        var seen = 0
        guard reader.skip(UInt8(ascii: "{")) else { return nil }
        if !reader.skip(UInt8(ascii: "}")) {
            repeat {
                guard let field = reader.field(), seen & (1 << field.rawValue) == 0, reader.skip(UInt8(ascii: ":"))
                else { return nil }
                seen |= 1 << field.rawValue
                if reader.literal("null") { continue }
                if field.isInteger {
                    guard let number = reader.integer() else { return nil }
                    integers[field.rawValue] = number
                } else {
                    guard let text = reader.string() else { return nil }
                    strings[field.rawValue] = text
                }
            } while reader.skip(UInt8(ascii: ","))
            guard reader.skip(UInt8(ascii: "}")) else { return nil }
        }
        guard reader.atEnd, let id = strings[Field.id.rawValue], let typeName = strings[Field.type.rawValue],
              let type = SagaEventType(rawValue: typeName), let orderID = strings[Field.orderID.rawValue],
              let occurred = integers[Field.occurredAt.rawValue]
        else { return nil }
        return SagaEvent(
            id: id, type: type, orderID: orderID, accountID: strings[Field.accountID.rawValue],
            amountCents: integers[Field.amountCents.rawValue], reason: strings[Field.reason.rawValue],
            occurredAtMillis: occurred)
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
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x0A, 0x0D, 0x09: position += 1
                default: return
                }
            }
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
            let matches = word.withUTF8Buffer { zip($0, bytes[position..<(position + count)]).allSatisfy { $0 == $1 } }
            if matches { position += count }
            return matches
        }

        /// An integer without fraction, exponent or leading zeros that fits Int64.
        mutating func integer() -> Int64? {
            skipSpace()
            let start = position
            let negative = position < bytes.count && bytes[position] == UInt8(ascii: "-")
            if negative { position += 1 }
            let digits = position
            var value: Int64 = 0
            while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
                let digit = Int64(bytes[position] - UInt8(ascii: "0"))
                // Negative numbers are built downwards, so that Int64.min fits.
                let (shifted, overflowed) = value.multipliedReportingOverflow(by: 10)
                let (next, overflowedAgain) = negative
                    ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
                if overflowed || overflowedAgain {
                    position = start
                    return nil
                }
                value = next
                position += 1
            }
            // No digit, or a leading zero (JSON has none; "0" alone is fine).
            if position == digits || (position - digits > 1 && bytes[digits] == UInt8(ascii: "0")) {
                position = start
                return nil
            }
            if position < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) {
                return nil
            }
            return value
        }

        /// A string; escapes other than the ones `encode` writes (\" \\ \n \r \t \u00XX and
        /// \/) give nil.
        mutating func string() -> String? {
            if let plain = plainString() {
                position = plain.upperBound + 1
                return bytes.withUnsafeBufferPointer { all in
                    let text = UnsafeBufferPointer(rebasing: all[plain])
                    // ASCII is valid UTF-8 as it is; anything else is checked.
                    return text.allSatisfy { $0 < 0x80 }
                        ? String(decoding: text, as: UTF8.self) : String(validating: text, as: UTF8.self)
                }
            }
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

        /// The bytes between the quotes of the string at the cursor when it has no escape and no
        /// control character (most strings), without moving the cursor past it; nil otherwise.
        mutating func plainString() -> Range<Int>? {
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
            var index = position + 1
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { return (position + 1)..<index }
                if byte < 0x20 || byte == UInt8(ascii: "\\") { return nil }
                index += 1
            }
            return nil
        }

        /// The event field whose name is at the cursor, moving past it; nil for any other name
        /// (or one written with escapes).
        mutating func field() -> Field? {
            guard let name = plainString() else { return nil }
            let found = Field.allCases.first { field in
                field.name.withUTF8Buffer { known in
                    known.count == name.count && zip(known, bytes[name]).allSatisfy { $0 == $1 }
                }
            }
            if found != nil { position = name.upperBound + 1 }
            return found
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

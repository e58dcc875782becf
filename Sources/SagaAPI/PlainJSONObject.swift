/// Reads the commonest request bodies without `JSONDecoder`: an object whose members are all
/// strings without escapes, e.g. `{"amount":"12.34","account_id":"a1"}`. Anything else (another
/// value type, an escape, a repeated name, text after the object) gives nil, and the caller
/// decodes with `JSONDecoder`, which stays the authority on what is valid and on the problem
/// a body gets. Placing an order spent ~1.5% of the daemon's CPU in `JSONDecoder`.
enum PlainJSONObject {
    /// The members in order, or nil when `bytes` are not such an object.
    static func members(_ bytes: UnsafeRawBufferPointer) -> [(name: String, value: String)]? {
        var cursor = Cursor(bytes: bytes)
        var members: [(name: String, value: String)] = []
        guard cursor.skip(UInt8(ascii: "{")) else { return nil }
        if !cursor.skip(UInt8(ascii: "}")) {
            repeat {
                guard let name = cursor.string(), cursor.skip(UInt8(ascii: ":")), let value = cursor.string(),
                      !members.contains(where: { $0.name == name })
                else { return nil }
                members.append((name, value))
            } while cursor.skip(UInt8(ascii: ","))
            guard cursor.skip(UInt8(ascii: "}")) else { return nil }
        }
        cursor.skipSpace()
        return cursor.position == bytes.count ? members : nil
    }

    private struct Cursor {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        mutating func skipSpace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
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

        /// A string without escapes or control characters, valid UTF-8; nil otherwise.
        mutating func string() -> String? {
            guard skip(UInt8(ascii: "\"")) else { return nil }
            let start = position
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                    position += 1
                    return text
                }
                if byte < 0x20 || byte == UInt8(ascii: "\\") { return nil }
                position += 1
            }
            return nil
        }
    }
}

/// A request body that can be read from a plain object of strings (see `PlainJSONObject`).
protocol PlainStringsBody {
    /// The body those members make, or nil when `JSONDecoder` should decide (an unknown member,
    /// an amount the parser refuses).
    static func fromPlainStrings(_ members: [(name: String, value: String)], amounts: AmountParser?) -> Self?
}

extension OrderRequest: PlainStringsBody {
    static func fromPlainStrings(_ members: [(name: String, value: String)], amounts: AmountParser?) -> OrderRequest? {
        var request = OrderRequest(amount: nil, accountID: nil)
        for (name, value) in members {
            switch name {
            case CodingKeys.amount.rawValue:
                if let amounts {
                    guard let cents = try? amounts.parse(value) else { return nil }
                    request.amount = Amount(text: value, cents: cents)
                } else {
                    request.amount = Amount(value)
                }
            case CodingKeys.accountID.rawValue:
                request.accountID = value
            default:
                return nil
            }
        }
        return request
    }
}

/// sagactl writes the order bodies of a bench with this (sorted keys, as `JSONEncoder` with
/// `.sortedKeys` would).
extension OrderRequest: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            if let accountID {
                json.key("account_id")
                json.string(accountID)
            }
            if let amount {
                json.key("amount")
                json.string(amount.text)
            }
        }
    }
}

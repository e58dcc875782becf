/// Money is integer cents everywhere; it crosses the API as a decimal string such as "12.34".
public enum Money {
    /// The largest amount accepted anywhere: 10^13 cents (a hundred billion), far from overflow.
    public static let maximumCents: Int64 = 10_000_000_000_000

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case notANumber(String)
        case tooPrecise(String)
        case notPositive(String)
        case tooLarge(String)

        public var description: String {
            switch self {
            case .notANumber(let text): "'\(text)' is not a decimal amount like \"12.34\""
            case .tooPrecise(let text): "'\(text)' has more than two decimal places"
            case .notPositive(let text): "'\(text)' must be greater than zero"
            case .tooLarge(let text): "'\(text)' is larger than the maximum of \(format(maximumCents))"
            }
        }
    }

    /// Parses "12", "12.3" or "12.34" into cents; rejects signs, exponents, spaces and more
    /// than two decimals. `allowZero` for balances.
    public static func parseCents(_ text: String, allowZero: Bool = false) throws(ParseError) -> Int64 {
        if text.hasPrefix("-"), (try? parseCents(String(text.dropFirst()), allowZero: true)) != nil {
            throw .notPositive(text)
        }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        let isDigits = { (s: Substring) in s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        guard !whole.isEmpty, isDigits(whole), isDigits(fraction), parts.count == 1 || !fraction.isEmpty else {
            throw .notANumber(text)
        }
        guard fraction.count <= 2 else { throw .tooPrecise(text) }
        guard whole.count <= 12, let units = Int64(whole) else { throw .tooLarge(text) }
        let cents = units * 100 + (Int64(fraction.padding(toLength: 2, withPad: "0", startingAt: 0)) ?? 0)
        if cents > maximumCents { throw .tooLarge(text) }
        if cents == 0 && !allowZero { throw .notPositive(text) }
        return cents
    }

    /// "12.34" for 1234; "-0.05" for -5.
    public static func format(_ cents: Int64) -> String {
        let sign = cents < 0 ? "-" : ""
        let magnitude = cents.magnitude
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}

import Foundation

/// Money as the API carries it: a decimal string such as "12.34" (the `Amount` schema).
/// A server checks and converts amounts as it decodes them by setting `AmountParser.key` in its
/// decoder's `userInfo`; a client keeps the text as it came.
public struct Amount: Codable, Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral, WireValue {
    /// The decimal text, e.g. "12.34".
    public var text: String
    /// The amount in cents, when it was decoded with an `AmountParser`.
    public private(set) var cents: Int64?

    public static let expectation = #"a decimal string such as "12.34""#

    public init(_ text: String) {
        self.text = text
    }

    public init(stringLiteral text: String) {
        self.text = text
    }

    /// An amount the server formatted from cents.
    public init(text: String, cents: Int64) {
        self.text = text
        self.cents = cents
    }

    public var description: String { text }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let text = try? container.decode(String.self) else {
            throw DecodingError.typeMismatch(Amount.self, .init(
                codingPath: decoder.codingPath, debugDescription: "must be \(Self.expectation)"))
        }
        self.text = text
        if let parser = decoder.userInfo[AmountParser.key] as? AmountParser {
            do {
                cents = try parser.parse(text)
            } catch {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath, debugDescription: String(describing: error), underlyingError: error))
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    public static func == (lhs: Amount, rhs: Amount) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }
}

/// Turns an amount's text into cents, or throws an error whose description says what is wrong
/// with it; the daemon passes its `Money` rules here.
public struct AmountParser: Sendable {
    /// The `userInfo` key under which a decoder carries the parser.
    public static let key = CodingUserInfoKey(rawValue: "SagaAPI.AmountParser")!

    public let parse: @Sendable (String) throws -> Int64

    public init(_ parse: @escaping @Sendable (String) throws -> Int64) {
        self.parse = parse
    }
}

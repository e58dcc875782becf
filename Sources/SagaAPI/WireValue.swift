/// A value with its own wire form, saying in words what a JSON value must be to decode as it.
public protocol WireValue {
    /// E.g. `a decimal string such as "12.34"`; used in the 4xx problem for a wrong value.
    static var expectation: String { get }
}

/// A string enum of the API: decoding an unknown value names the allowed ones.
public protocol WireEnum: WireValue, Codable, Sendable, CaseIterable, RawRepresentable where RawValue == String {}

extension WireEnum {
    public static var expectation: String { "one of " + allCases.map(\.rawValue).joined(separator: ", ") }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let text = try? container.decode(String.self) else {
            throw DecodingError.typeMismatch(Self.self, .init(
                codingPath: decoder.codingPath, debugDescription: "must be \(Self.expectation)"))
        }
        guard let value = Self(rawValue: text) else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "must be \(Self.expectation), not '\(text)'"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

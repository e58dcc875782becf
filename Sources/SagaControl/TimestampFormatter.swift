import Foundation

/// Shows the API's RFC 3339 UTC timestamps in a time zone (local by default) as
/// `yyyy-MM-dd HH:mm:ss`; text that is not a timestamp is shown unchanged.
struct TimestampFormatter {
    private let output: DateFormatter

    init(timeZone: TimeZone = .current, includeMilliseconds: Bool = false) {
        output = DateFormatter()
        output.locale = Locale(identifier: "en_US_POSIX")
        output.timeZone = timeZone
        output.dateFormat = includeMilliseconds ? "yyyy-MM-dd HH:mm:ss.SSS" : "yyyy-MM-dd HH:mm:ss"
    }

    /// Parses an RFC 3339 timestamp with or without fractional seconds.
    static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) {
            return date
        }
        return try? Date.ISO8601FormatStyle().parse(text)
    }

    /// The timestamp in this formatter's time zone, or `text` itself when it does not parse.
    func format(_ text: String) -> String {
        guard let date = Self.parse(text) else { return text }
        return output.string(from: date)
    }
}

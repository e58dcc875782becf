import Foundation

/// An RFC 9457 problem body (`application/problem+json`), the way sagad reports every error.
struct Problem: Codable, Sendable, Equatable {
    var type: String
    var title: String
    var status: Int
    var detail: String?
    var instance: String?

    /// The line sagactl prints for this problem: `sagactl: <title>: <detail>`.
    var message: String {
        guard let detail, !detail.isEmpty, detail != title else { return "sagactl: \(title)" }
        return "sagactl: \(title): \(detail)"
    }

    /// Decodes a problem from a response body, or nil when the body is not one.
    static func decode(from body: Data) -> Problem? {
        try? JSONDecoder().decode(Problem.self, from: body)
    }
}

import Foundation
import SagaAPI

/// How sagactl shows the problems sagad reports.
extension Problem {
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

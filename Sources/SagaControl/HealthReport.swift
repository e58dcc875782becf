/// The body of `GET /healthz` and `GET /readyz`.
struct HealthReport: Codable, Sendable, Equatable {
    var status: String
    var checks: [String: String]
}

/// The body of `GET /healthz` and `GET /readyz` (`Health`).
public struct Health: APISchema, Equatable {
    public var status: String
    public var checks: [String: String]
    /// The log the saga runs on (`embedded` or `kafka`); `/healthz` names it, `/readyz` does not.
    public var logBackend: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case status, checks
        case logBackend = "log_backend"
    }

    public init(status: String, checks: [String: String], logBackend: String? = nil) {
        self.status = status
        self.checks = checks
        self.logBackend = logBackend
    }
}

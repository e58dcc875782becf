/// The body of `GET /healthz` and `GET /readyz` (`Health`).
public struct Health: APISchema, Equatable {
    public var status: String
    public var checks: [String: String]
    /// The log the saga runs on (`embedded` or `kafka`); `/healthz` names it, `/readyz` does not.
    public var logBackend: String?
    /// Where the services keep their state (`sqlite` or `postgres`); only `/healthz` names it.
    public var stateBackend: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case status, checks
        case logBackend = "log_backend"
        case stateBackend = "state_backend"
    }

    public init(status: String, checks: [String: String], logBackend: String? = nil, stateBackend: String? = nil) {
        self.status = status
        self.checks = checks
        self.logBackend = logBackend
        self.stateBackend = stateBackend
    }
}

/// The body of `GET /healthz` and `GET /readyz` (`Health`).
public struct Health: APISchema, Equatable {
    public var status: String
    public var checks: [String: String]

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case status, checks
    }

    public init(status: String, checks: [String: String]) {
        self.status = status
        self.checks = checks
    }
}

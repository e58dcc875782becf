/// An account and its balance (`Account` in openapi.yaml).
struct Account: Codable, Sendable, Equatable {
    var id: String
    var balance: String
}

/// The body of `POST /v1/accounts/{id}/deposit`.
struct DepositRequest: Encodable, Sendable {
    var amount: String
}

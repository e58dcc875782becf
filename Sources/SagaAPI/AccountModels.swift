/// An account and its balance (`Account`).
public struct Account: APISchema, Equatable {
    public var id: String
    public var balance: Amount

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, balance
    }

    public init(id: String, balance: Amount) {
        self.id = id
        self.balance = balance
    }
}

/// The body of `POST /v1/accounts` (`AccountRequest`).
public struct AccountRequest: APIRequestBody {
    public var id: String
    public var balance: Amount

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case id, balance
    }

    public init(id: String, balance: Amount) {
        self.id = id
        self.balance = balance
    }

    public init(from decoder: any Decoder) throws {
        try Self.rejectUnknownProperties(in: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        balance = try container.decode(Amount.self, forKey: .balance)
    }
}

/// The body of `POST /v1/accounts/{id}/deposit` (`DepositRequest`).
public struct DepositRequest: APIRequestBody {
    public var amount: Amount

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case amount
    }

    public init(amount: Amount) {
        self.amount = amount
    }

    public init(from decoder: any Decoder) throws {
        try Self.rejectUnknownProperties(in: decoder)
        amount = try decoder.container(keyedBy: CodingKeys.self).decode(Amount.self, forKey: .amount)
    }
}

/// A request or response body of the API: a Codable type named after its schema in
/// openapi.yaml's `components/schemas`, whose coding keys are the schema's property names.
/// SagaAPITests checks each against the spec, so a field added on one side only fails a test.
public protocol APISchema: Codable, Sendable {
    associatedtype CodingKeys: CodingKey & CaseIterable
    /// The name under `components/schemas`.
    static var schemaName: String { get }
}

extension APISchema {
    public static var schemaName: String { String(describing: Self.self) }

    /// The JSON property names, in declaration order.
    public static var propertyNames: [String] { CodingKeys.allCases.map(\.stringValue) }
}

/// A request body: unknown properties are refused (`additionalProperties: false`).
public protocol APIRequestBody: APISchema {}

extension APIRequestBody {
    /// Throws when the JSON object being decoded holds a property the schema does not have.
    static func rejectUnknownProperties(in decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        let allowed = Set(propertyNames)
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !allowed.contains($0) }) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath + [AnyCodingKey(unknown)],
                debugDescription: UnknownProperty.marker + "allowed: " + propertyNames.sorted().joined(separator: ", ")))
        }
    }
}

extension KeyedDecodingContainer {
    /// A whole number, or nil when absent. JSONDecoder reports a fraction or a number too large
    /// for `Int64` with an error of its own that loses the coding path; this names the key.
    func decodeWholeNumberIfPresent(forKey key: Key) throws -> Int64? {
        do {
            return try decodeIfPresent(Int64.self, forKey: key)
        } catch let error as DecodingError {
            throw error
        } catch {
            throw DecodingError.typeMismatch(Int64.self, .init(
                codingPath: codingPath + [key], debugDescription: "not a whole number", underlyingError: error))
        }
    }
}

/// Marks the decoding error of an unknown property so that it can be reported as one.
enum UnknownProperty {
    static let marker = "unknown property; "
}

/// Any JSON property name.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Every body type of the API, for the conformance test against openapi.yaml.
public enum APISchemas {
    public static let all: [any APISchema.Type] = [
        OrderRequest.self, Order.self, StatusChange.self, OrderPage.self, OrderTimeline.self, TimelineEvent.self,
        AccountRequest.self, DepositRequest.self, Account.self, AccountList.self,
        LedgerAccount.self, Ledger.self, LedgerTotals.self, LostRecordRange.self, LostRecordList.self,
        OrderNotification.self, NotificationList.self,
        PartitionInfo.self, PartitionList.self, GroupLag.self, GroupLagList.self, GroupState.self,
        GroupResetRequest.self, GroupSkipRequest.self, SkippedRange.self, DamagedRange.self, LogVerification.self,
        LogRecord.self, RecordPage.self, ReplayRequest.self, ReplayResult.self,
        Health.self, Problem.self,
    ]
}

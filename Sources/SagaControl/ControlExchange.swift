import Foundation
import SagaAPI

/// One request to sagad's API, built from SagaAPI's route table and independent of the HTTP
/// library that carries it.
struct ControlRequest: Sendable {
    var operation: APIOperation
    /// The concrete path, parameters filled in and percent-encoded.
    var path: String
    var query: [(name: String, value: String)] = []
    var headers: [(name: String, value: String)] = []
    var body: Data?
    /// How long the whole exchange may take; long polls add their own wait on top.
    var timeout: Duration = .seconds(30)

    var method: APIOperation.Method { operation.method }

    /// A request for `operation` with `parameters` filled into its path in order, and query
    /// items (nil values are left out).
    init(
        _ operation: APIOperation, _ parameters: String..., query: [(String, String?)] = [], timeout: Duration = .seconds(30)
    ) throws {
        self.operation = operation
        self.path = try operation.path(parameters)
        self.query = query.compactMap { name, value in value.map { (name: name, value: $0) } }
        self.timeout = timeout
    }

    /// A request for `operation` with `body` encoded as its JSON body.
    init<Body: APISchema>(_ operation: APIOperation, _ parameters: String..., json body: Body) throws {
        self.operation = operation
        self.path = try operation.path(parameters)
        // An order body writes itself (a bench sends thousands a second); the rest go through JSONEncoder.
        self.body = try (body as? any JSONWritable).map { Data($0.jsonBytes) } ?? JSONEncoder().encode(body)
    }

    /// The path and percent-encoded query, as sent on the request line.
    var uri: String {
        guard !query.isEmpty else { return path }
        let pairs = query.map { "\(Self.encodeQueryPart($0.name))=\(Self.encodeQueryPart($0.value))" }
        return path + "?" + pairs.joined(separator: "&")
    }

    private static func encodeQueryPart(_ text: String) -> String {
        if text.utf8.allSatisfy(APIOperation.isUnreserved) { return text }
        return text.addingPercentEncoding(withAllowedCharacters: queryPartAllowed) ?? text
    }

    /// What a query name or value may hold unencoded (built once: building it per request
    /// was a twentieth of a bench's CPU).
    private static let queryPartAllowed: CharacterSet = {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#")
        return allowed
    }()
}

/// What sagad answered: the status, headers (names lowercased) and the whole body.
struct ControlResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    var isSuccess: Bool { (200..<300).contains(status) }

    /// The body as text, for messages and raw output.
    var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// Returns self when the status is 2xx; otherwise throws the problem the daemon reported.
    func requireSuccess() throws -> ControlResponse {
        guard isSuccess else { throw rejection() }
        return self
    }

    /// The error that describes this (non-success) response.
    func rejection() -> ControlError {
        if let problem = Problem.decode(from: body) { return .daemonRejected(problem) }
        return .unexpectedResponse(status: status, body: bodyText)
    }

    /// Decodes the body as `Value`, naming `path` if it does not fit the contract.
    func decode<Value: Decodable>(_ type: Value.Type, path: String) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch {
            throw ControlError.undecodableResponse(path: path, reason: String(describing: error))
        }
    }

    /// Seconds from a `Retry-After` header given in seconds, if present.
    var retryAfterSeconds: Double? {
        headers["retry-after"].flatMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }
}

/// An RFC 9457 problem (`application/problem+json`, the `Problem` schema): how sagad reports
/// every error, with a stable `type` and `title` per kind and a `detail` for this time.
public struct Problem: APISchema, Error, Equatable {
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String?
    /// The request path.
    public var instance: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case type, title, status, detail, instance
    }

    public init(type: String, title: String, status: Int, detail: String?, instance: String?) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance
    }

    /// A problem of `kind` with `detail`.
    public init(_ kind: ProblemKind, _ detail: String, instance: String? = nil) {
        self.init(type: kind.typeURI, title: kind.title, status: kind.status, detail: detail, instance: instance)
    }

    /// The kind, when `type` is one of sagad's.
    public var kind: ProblemKind? { ProblemKind.allCases.first { $0.typeURI == type } }
}

/// The kinds of problem the API reports; `rawValue` is the last part of the type URI.
public enum ProblemKind: String, CaseIterable, Sendable {
    case badRequest = "bad-request"
    /// Refused by the HTTP/1 parser, before routing: not a request sagad can read.
    case malformedRequest = "malformed-request"
    /// The request line and header fields are larger than sagad reads.
    case headersTooLarge = "request-header-fields-too-large"
    /// The TCP listener's bearer token is missing or wrong (`http.token_file`).
    case unauthorized = "unauthorized"
    case invalidJSON = "invalid-json"
    case unsupportedMediaType = "unsupported-media-type"
    case validation = "validation-failed"
    case notFound = "not-found"
    case methodNotAllowed = "method-not-allowed"
    case conflict = "conflict"
    case cannotCancel = "order-not-cancelable"
    case idempotencyKeyReused = "idempotency-key-reused"
    case payloadTooLarge = "payload-too-large"
    case overloaded = "overloaded"
    case tooManyConnections = "too-many-connections"
    case requestTimeout = "request-timeout"
    case insufficientStorage = "insufficient-storage"
    case groupActive = "group-active"
    case unavailable = "unavailable"
    case internalError = "internal-error"

    /// The `type` URI.
    public var typeURI: String { "https://sagad.dev/problems/\(rawValue)" }

    /// The HTTP status code.
    public var status: Int {
        switch self {
        case .badRequest, .malformedRequest, .invalidJSON: 400
        case .headersTooLarge: 431
        case .unauthorized: 401
        case .unsupportedMediaType: 415
        case .validation: 422
        case .notFound: 404
        case .methodNotAllowed: 405
        case .conflict, .cannotCancel, .idempotencyKeyReused, .groupActive: 409
        case .payloadTooLarge: 413
        case .overloaded, .unavailable, .tooManyConnections: 503
        case .requestTimeout: 408
        case .insufficientStorage: 507
        case .internalError: 500
        }
    }

    /// The stable short summary.
    public var title: String {
        switch self {
        case .badRequest: "Bad request"
        case .malformedRequest: "Request is not valid HTTP/1.1"
        case .headersTooLarge: "Request header fields too large"
        case .unauthorized: "Missing or wrong bearer token"
        case .invalidJSON: "Request body is not valid JSON for this operation"
        case .unsupportedMediaType: "Request body must be application/json"
        case .validation: "Request values are not acceptable"
        case .notFound: "Not found"
        case .methodNotAllowed: "Method not allowed"
        case .conflict: "Conflict with the current state"
        case .cannotCancel: "Order can no longer be canceled"
        case .idempotencyKeyReused: "Idempotency key reused with a different request"
        case .payloadTooLarge: "Request body too large"
        case .overloaded: "Too many orders in flight"
        case .tooManyConnections: "Too many connections"
        case .requestTimeout: "Request body did not arrive in time"
        case .insufficientStorage: "Insufficient storage"
        case .groupActive: "Consumer group is running"
        case .unavailable: "Service unavailable"
        case .internalError: "Internal error"
        }
    }
}

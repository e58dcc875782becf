import Foundation

/// Every operation of openapi.yaml, named by its `operationId`: the one route table that the
/// daemon registers its handlers from and sagactl builds its requests from.
public enum APIOperation: String, CaseIterable, Sendable {
    case createOrder, listOrders, getOrder, cancelOrder, getOrderTimeline
    case createAccount, listAccounts, getAccount, deposit, getLedger
    case listNotifications
    case listTopics, peekRecords
    case listGroups, pauseGroup, resumeGroup, resetGroup, skipGroup
    case verifyLog
    case listDeadLetters, replayDeadLetters
    case listLostRecords, acknowledgeLostRecords
    case health, ready, metrics, openapi

    /// The HTTP methods the API uses.
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
    }

    /// The `operationId` in openapi.yaml.
    public var operationID: String { rawValue }

    /// The method and the path template (`{name}` marks a path parameter), as in openapi.yaml.
    public var route: (method: Method, path: String) {
        switch self {
        case .createOrder: (.post, "/v1/orders")
        case .listOrders: (.get, "/v1/orders")
        case .getOrder: (.get, "/v1/orders/{id}")
        case .cancelOrder: (.post, "/v1/orders/{id}/cancel")
        case .getOrderTimeline: (.get, "/v1/orders/{id}/timeline")
        case .createAccount: (.post, "/v1/accounts")
        case .listAccounts: (.get, "/v1/accounts")
        case .getAccount: (.get, "/v1/accounts/{id}")
        case .deposit: (.post, "/v1/accounts/{id}/deposit")
        case .getLedger: (.get, "/v1/ledger")
        case .listNotifications: (.get, "/v1/notifications")
        case .listTopics: (.get, "/v1/topics")
        case .peekRecords: (.get, "/v1/topics/{name}/records")
        case .listGroups: (.get, "/v1/groups")
        case .pauseGroup: (.post, "/v1/groups/{group}/pause")
        case .resumeGroup: (.post, "/v1/groups/{group}/resume")
        case .resetGroup: (.post, "/v1/groups/{group}/reset")
        case .skipGroup: (.post, "/v1/groups/{group}/skip")
        case .verifyLog: (.get, "/v1/log/verify")
        case .listDeadLetters: (.get, "/v1/dlq")
        case .replayDeadLetters: (.post, "/v1/dlq/replay")
        case .listLostRecords: (.get, "/v1/lost-records")
        case .acknowledgeLostRecords: (.post, "/v1/lost-records/acknowledge")
        case .health: (.get, "/healthz")
        case .ready: (.get, "/readyz")
        case .metrics: (.get, "/metrics")
        case .openapi: (.get, "/openapi.yaml")
        }
    }

    public var method: Method { route.method }
    public var pathTemplate: String { route.path }

    /// The names of the path parameters, in the order they appear in the template.
    public var pathParameters: [String] {
        segments.compactMap(Self.parameterName)
    }

    /// The template's segments, with each `{name}` written by `parameter` (e.g. `:name` for
    /// a router); literal segments are kept.
    public func pathTemplate(writingParameters parameter: (String) -> String) -> String {
        "/" + segments.map { Self.parameterName($0).map(parameter) ?? String($0) }.joined(separator: "/")
    }

    /// The concrete path with `values` filled into the path parameters in order, each
    /// percent-encoded as one segment.
    /// - Throws: `APIOperation.PathError` when the number of values does not match.
    public func path(_ values: String...) throws(PathError) -> String {
        try path(values)
    }

    /// `path(_:)` with the values as an array.
    public func path(_ values: [String]) throws(PathError) -> String {
        guard values.count == pathParameters.count else {
            throw PathError(operation: self, expected: pathParameters.count, given: values.count)
        }
        var remaining = values[...]
        return pathTemplate { _ in Self.encodeSegment(remaining.popFirst() ?? "") }
    }

    /// A path built with the wrong number of parameter values (a programming error in a caller).
    public struct PathError: Error, CustomStringConvertible {
        public var operation: APIOperation
        public var expected: Int
        public var given: Int
        public var description: String { "\(operation.operationID) takes \(expected) path parameters, not \(given)" }
    }

    /// Percent-encodes `text` as a single path segment (`/`, `?`, `#` and `;` included).
    public static func encodeSegment(_ text: String) -> String {
        // Ids are mostly unreserved characters, which encode as themselves: Foundation's
        // encoding (and the set, once built per call) were a twentieth of a bench's client CPU.
        if text.utf8.allSatisfy(isUnreserved) { return text }
        return text.addingPercentEncoding(withAllowedCharacters: segmentAllowed) ?? text
    }

    /// RFC 3986's unreserved characters: never percent-encoded, in a path or a query.
    public static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }

    private static let segmentAllowed: CharacterSet = {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#;")
        return allowed
    }()

    private var segments: [Substring] {
        pathTemplate.split(separator: "/", omittingEmptySubsequences: true)
    }

    private static func parameterName(_ segment: Substring) -> String? {
        guard segment.hasPrefix("{"), segment.hasSuffix("}") else { return nil }
        return String(segment.dropFirst().dropLast())
    }
}

import CheckoutService
import Foundation
import HTTPTypes
import Hummingbird
import MessageLog
import NIOCore
import OrderService
import SagaMessaging

/// An RFC 9457 problem: a stable `type` and `title` per kind, the HTTP status, and a
/// `detail` saying what went wrong this time. Never a stack trace.
public struct Problem: Error, HTTPResponseError, Sendable {
    public var kind: Kind
    public var detail: String
    public var extraHeaders: HTTPFields = [:]

    /// The kinds of problem the API reports; `rawValue` is the last part of the type URI.
    public enum Kind: String, Sendable {
        case badRequest = "bad-request"
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
        case groupActive = "group-active"
        case unavailable = "unavailable"
        case internalError = "internal-error"

        var status: HTTPResponse.Status {
            switch self {
            case .badRequest, .invalidJSON: .badRequest
            case .unsupportedMediaType: .unsupportedMediaType
            case .validation: .unprocessableContent
            case .notFound: .notFound
            case .methodNotAllowed: .methodNotAllowed
            case .conflict, .cannotCancel, .idempotencyKeyReused, .groupActive: .conflict
            case .payloadTooLarge: .contentTooLarge
            case .overloaded, .unavailable: .serviceUnavailable
            case .internalError: .internalServerError
            }
        }

        var title: String {
            switch self {
            case .badRequest: "Bad request"
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
            case .groupActive: "Consumer group is running"
            case .unavailable: "Service unavailable"
            case .internalError: "Internal error"
            }
        }
    }

    public init(_ kind: Kind, _ detail: String, headers: HTTPFields = [:]) {
        self.kind = kind
        self.detail = detail
        self.extraHeaders = headers
    }

    public var status: HTTPResponse.Status { kind.status }
    public var headers: HTTPFields { extraHeaders }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: [String: Any] = [
            "type": "https://sagad.dev/problems/\(kind.rawValue)", "title": kind.title,
            "status": Int(kind.status.code), "detail": detail, "instance": request.uri.path,
        ]
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        var headers = extraHeaders
        headers[.contentType] = "application/problem+json"
        return Response(status: kind.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The problem for any error a handler let through.
    static func from(_ error: any Error) -> Problem {
        switch error {
        case let problem as Problem: return problem
        case let error as OrderError:
            switch error {
            case .notFound: return Problem(.notFound, error.description)
            case .cannotCancel: return Problem(.cannotCancel, error.description)
            case .overloaded: return Problem(.overloaded, error.description, headers: [.retryAfter: "1"])
            case .invalidAmount, .invalidAccount: return Problem(.validation, error.description)
            case .idempotencyKeyReused: return Problem(.idempotencyKeyReused, error.description)
            }
        case let error as CheckoutError:
            switch error {
            case .accountNotFound: return Problem(.notFound, error.description)
            case .accountExists: return Problem(.conflict, error.description)
            case .invalidAccountID, .invalidAmount: return Problem(.validation, error.description)
            }
        case let error as any MessageLogError:
            switch error.kind {
            case .notFound: return Problem(.notFound, error.description)
            case .invalidRequest: return Problem(.validation, error.description)
            case .groupHasMembers: return Problem(.groupActive, error.description)
            case .storageInUse, .unavailable: return Problem(.unavailable, error.description)
            }
        case let error as DeadLetterError:
            switch error {
            case .unknownTopic: return Problem(.notFound, error.description)
            }
        case let error as Money.ParseError:
            return Problem(.validation, error.description)
        case is NIOTooManyBytesError:
            return Problem(.payloadTooLarge, "the body exceeds \(ControlRouter.maxBodyBytes) bytes")
        case let error as HTTPError:
            switch error.status {
            case .notFound: return Problem(.notFound, error.body ?? "no such resource")
            case .contentTooLarge: return Problem(.payloadTooLarge, error.body ?? "the body is too large")
            case .badRequest: return Problem(.badRequest, error.body ?? "bad request")
            default: return Problem(.internalError, error.body ?? "\(error.status)")
            }
        default:
            return Problem(.internalError, "the request could not be completed; see the daemon's log")
        }
    }
}

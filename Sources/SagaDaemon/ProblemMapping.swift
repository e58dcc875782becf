import CheckoutService
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import KafkaLog
import MessageLog
import NIOCore
import NIOHTTP1
import OrderService
import SagaAPI
import SagaMessaging
import ServiceStorePostgres

/// The daemon's side of RFC 9457 problems: which problem each error is, and its response.
extension Problem {
    /// The problem for an error of the log, by its kind.
    static func from(messageLogError error: any MessageLogError) -> Problem {
        switch error.kind {
        case .notFound: Problem(.notFound, error.description)
        case .invalidRequest: Problem(.validation, error.description)
        case .groupHasMembers, .membershipLost: Problem(.groupActive, error.description)
        case .storageFull: Problem(.insufficientStorage, error.description + "; retry once space is freed")
        case .storageInUse, .unavailable: Problem(.unavailable, error.description)
        }
    }

    /// The problem for any error a handler let through.
    static func from(_ error: any Error) -> Problem {
        switch error {
        case let problem as Problem: return problem
        case let error as OrderError:
            switch error {
            case .notFound: return Problem(.notFound, error.description)
            case .cannotCancel: return Problem(.cannotCancel, error.description)
            case .overloaded: return Problem(.overloaded, error.description)
            case .invalidAmount, .invalidAccount: return Problem(.validation, error.description)
            case .idempotencyKeyReused: return Problem(.idempotencyKeyReused, error.description)
            }
        case let error as CheckoutError:
            switch error {
            case .accountNotFound: return Problem(.notFound, error.description)
            case .accountExists: return Problem(.conflict, error.description)
            case .invalidAccountID, .invalidAmount: return Problem(.validation, error.description)
            }
        case let error as KafkaLogError:
            // What concerns SagaLog's own files (the scrub, the lost-records journal) does not
            // exist on the log sagad runs on: a conflict with its state (409), not a failure.
            if case .notAvailableOnKafka = error { return Problem(.conflict, error.description) }
            return from(messageLogError: error)
        case let error as any MessageLogError:
            return from(messageLogError: error)
        case let error as DeadLetterError:
            switch error {
            case .unknownTopic: return Problem(.notFound, error.description)
            }
        case let error as DatabaseError:
            return storageProblem(error)
        case let error as PostgresStoreError where error.isPassingFault:
            return Problem(.unavailable, "the database cannot take the request now; nothing was changed — retry shortly")
        case let error as Money.ParseError:
            return Problem(.validation, error.description)
        case let error as HTTPParserError:
            // A body that breaks HTTP/1 (a bad chunk size) fails while the handler reads it.
            return from(error)
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

    /// A database that cannot take the write is a fault of the machine, not of the request:
    /// a full disk is 507, a busy, read-only or failing one 503 (both say when to retry). The
    /// transaction was rolled back, so nothing of the request took effect.
    static func storageProblem(_ error: DatabaseError) -> Problem {
        switch StorageFault(error) {
        case .diskFull:
            return Problem(.insufficientStorage, "the disk holding sagad's databases is full; nothing was changed — retry once space is freed")
        case .unavailable:
            return Problem(.unavailable, "a database cannot take the write now (\(error.resultCode)); nothing was changed — retry shortly")
        case nil:
            return Problem(.internalError, "the request could not be completed; see the daemon's log")
        }
    }

    /// The problem as its JSON body (keys sorted, as every answer of the API), for the
    /// answers written below the router: connection refusals and parse errors.
    func encoded() -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return ByteBuffer(bytes: (try? encoder.encode(self)) ?? Data("{}".utf8))
    }

    /// The `application/problem+json` response for `request`; an overload or a storage fault
    /// also says when to retry (`Retry-After`).
    func response(for request: Request, headers: HTTPFields = [:]) throws -> Response {
        var problem = self
        problem.instance = request.uri.path
        var fields = headers
        switch kind {
        case .overloaded: fields[.retryAfter] = "1"
        case .unavailable, .insufficientStorage: fields[.retryAfter] = "5"
        default: break
        }
        return try ControlRouter.json(
            problem, status: HTTPResponse.Status(code: status), headers: fields, contentType: "application/problem+json")
    }
}

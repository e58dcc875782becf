import GRPCCore
import SagaAPI
import SagaProto

/// The gRPC messages made from the API bodies (SagaAPI), field for field, and problems as
/// gRPC statuses.
extension Sagad_V1_Order {
    init(_ order: Order) {
        self = .with {
            $0.id = order.id
            $0.status = order.status
            $0.amount = order.amount.text
            $0.accountID = order.accountID
            $0.createdAt = order.createdAt
            $0.updatedAt = order.updatedAt
            $0.settled = order.isSettled
            $0.history = (order.history ?? []).map { change in
                .with {
                    $0.status = change.status
                    $0.at = change.at
                    if let reason = change.reason { $0.reason = reason }
                }
            }
        }
    }
}

extension RPCError {
    /// The status for `problem`: its detail is the message, its type URI the `problem-type`
    /// metadata (as in the HTTP body), its HTTP status chooses the code.
    init(_ problem: Problem) {
        var metadata = Metadata()
        metadata.addString(problem.type, forKey: "problem-type")
        self.init(code: Self.code(for: problem), message: problem.detail ?? problem.title, metadata: metadata)
    }

    /// 400/422 INVALID_ARGUMENT, 404 NOT_FOUND, a reused idempotency key ALREADY_EXISTS, other
    /// 409s FAILED_PRECONDITION, 503 UNAVAILABLE, 507 and 413 RESOURCE_EXHAUSTED.
    static func code(for problem: Problem) -> RPCError.Code {
        if problem.kind == .idempotencyKeyReused { return .alreadyExists }
        switch problem.status {
        case 400, 415, 422, 431: return .invalidArgument
        case 401: return .unauthenticated
        case 404: return .notFound
        case 408: return .deadlineExceeded
        case 409: return .failedPrecondition
        case 413, 507: return .resourceExhausted
        case 503: return .unavailable
        default: return .internalError
        }
    }
}

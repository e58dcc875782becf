import GRPCCore
import SagaAPI
@testable import SagaDaemon
import Testing

/// Problems become gRPC statuses: the code from the problem's kind, the detail as the message
/// (the same text HTTP puts in the body), the type URI as metadata.
@Suite struct GRPCStatusTests {
    @Test func eachProblemKindHasItsCode() {
        let expected: [ProblemKind: RPCError.Code] = [
            .badRequest: .invalidArgument, .malformedRequest: .invalidArgument, .invalidJSON: .invalidArgument,
            .validation: .invalidArgument, .unsupportedMediaType: .invalidArgument, .headersTooLarge: .invalidArgument,
            .notFound: .notFound, .cannotCancel: .failedPrecondition, .conflict: .failedPrecondition,
            .groupActive: .failedPrecondition, .idempotencyKeyReused: .alreadyExists, .overloaded: .unavailable,
            .unavailable: .unavailable, .tooManyConnections: .unavailable, .insufficientStorage: .resourceExhausted,
            .payloadTooLarge: .resourceExhausted, .unauthorized: .unauthenticated, .requestTimeout: .deadlineExceeded,
            .internalError: .internalError, .methodNotAllowed: .internalError,
        ]
        for kind in ProblemKind.allCases {
            #expect(RPCError.code(for: Problem(kind, "x")) == expected[kind], "\(kind)")
        }
    }

    @Test func theMessageIsTheDetailAndTheTypeTravelsAsMetadata() {
        let error = RPCError(Problem(.validation, "'amount': must have at most 2 decimals"))
        #expect(error.code == .invalidArgument)
        #expect(error.message == "'amount': must have at most 2 decimals")
        #expect(Array(error.metadata[stringValues: "problem-type"]) == [ProblemKind.validation.typeURI])
    }
}

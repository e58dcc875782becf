import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SagaAPI
import SagaMessaging

/// Builds the control API's router from SagaAPI's route table: one handler per operation of
/// openapi.yaml (the switch is exhaustive, so an operation without a handler does not compile),
/// a 405 (with `Allow`) for a known path with the wrong method, and every error turned into an
/// RFC 9457 problem body.
enum ControlRouter {
    static let maxBodyBytes = 64 * 1024
    typealias Context = BasicRequestContext
    typealias Handler = @Sendable (Request, Context) async throws -> Response

    static func build(_ daemon: DaemonContext) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: RequestMetricsMiddleware())
        router.add(middleware: ProblemMiddleware(logger: daemon.logger, storageFaults: daemon.requestStorageFaults))
        let orders = OrderRoutes(daemon: daemon)
        let accounts = AccountRoutes(daemon: daemon)
        let log = LogRoutes(daemon: daemon)
        let health = HealthRoutes(daemon: daemon)
        for operation in APIOperation.allCases {
            let handler: Handler = switch operation {
            case .createOrder: orders.create
            case .listOrders: orders.list
            case .getOrder: orders.get
            case .cancelOrder: orders.cancel
            case .getOrderTimeline: orders.timeline
            case .listNotifications: orders.notifications
            case .createAccount: accounts.create
            case .listAccounts: accounts.list
            case .getLedger: accounts.ledger
            case .getAccount: accounts.get
            case .deposit: accounts.deposit
            case .listTopics: log.topics
            case .peekRecords: log.records
            case .listGroups: log.groups
            case .pauseGroup: log.pause
            case .resumeGroup: log.resume
            case .resetGroup: log.reset
            case .skipGroup: log.skip
            case .verifyLog: log.verify
            case .listDeadLetters: log.deadLetters
            case .replayDeadLetters: log.replay
            case .listLostRecords: log.lostRecords
            case .acknowledgeLostRecords: log.acknowledgeLostRecords
            case .health: health.liveness
            case .ready: health.readiness
            case .metrics: health.metrics
            case .openapi: health.document
            }
            router.on(RouterPath(operation.pathTemplate { ":\($0)" }), method: operation.method.http, use: handler)
        }
        return router
    }

    /// A JSON response with `status`; a body that writes its own JSON does, the rest go through
    /// `JSONEncoder` with sorted keys.
    static func json(
        _ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:],
        contentType: String = "application/json"
    ) throws -> Response {
        var fields = headers
        fields[.contentType] = contentType
        if let writable = value as? any JSONWritable {
            return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: writable.jsonBytes)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

extension APIOperation.Method {
    var http: HTTPRequest.Method {
        switch self {
        case .get: .get
        case .post: .post
        }
    }
}

/// Turns every error into a problem response, and a 404 of a known path into a 405. Requests
/// refused for a storage fault are noted for `/healthz` until a write goes through again.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = ControlRouter.Context
    let logger: Logger
    let storageFaults: RequestStorageFaults

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            let response = try await next(request, context)
            if request.method == .post, response.status.kind == .successful { storageFaults.clear() }
            return response
        } catch {
            var problem = Problem.from(error)
            if StorageFault.isTransient(error) {
                storageFaults.record("\(request.method) \(request.uri.path): \(problem.status) \(problem.detail ?? problem.title)")
            }
            var headers: HTTPFields = [:]
            if problem.kind == .notFound, case let error as HTTPError = error, error.status == .notFound {
                let allowed = Self.methods(matching: request.uri.path)
                if !allowed.isEmpty {
                    let list = allowed.map(\.rawValue).joined(separator: ", ")
                    problem = Problem(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path); use \(list)")
                    headers[.allow] = list
                } else {
                    problem = Problem(.notFound, "no resource at \(request.uri.path)")
                }
            }
            if problem.kind == .internalError {
                logger.error("request failed", metadata: [
                    "method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)",
                ])
            }
            return try problem.response(for: request, headers: headers)
        }
    }

    /// The methods of the operations whose path template matches a concrete request path.
    static func methods(matching path: String) -> [APIOperation.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return APIOperation.allCases.filter { operation in
            let pattern = operation.pathTemplate.split(separator: "/", omittingEmptySubsequences: true)
            return pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }.map(\.method)
    }
}

extension Request {
    /// A query parameter parsed as a whole number within `range`; `nil` when absent.
    func integerQuery(_ name: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        guard let value = Int64(text) else { throw Problem.notInRange(name, range) }
        return try OrderOperations.checked(name, value, in: range)
    }
}

extension Parameters {
    func required(_ name: String) throws -> String {
        guard let value = get(name) else { throw Problem(.badRequest, "missing path parameter \(name)") }
        return value
    }
}

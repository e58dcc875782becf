import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Builds the control API's router: the routes of openapi.yaml, a 405 (with `Allow`) for a
/// known path with the wrong method, and every error turned into an RFC 9457 problem body.
enum ControlRouter {
    static let maxBodyBytes = 64 * 1024
    typealias Context = BasicRequestContext
    typealias Handler = @Sendable (Request, Context) async throws -> Response

    static func build(_ daemon: DaemonContext) -> Router<Context> {
        let router = Router(context: Context.self)
        let table = RouteTable()
        router.add(middleware: ProblemMiddleware(table: table, logger: daemon.logger))
        OrderRoutes.register(on: table, daemon)
        AccountRoutes.register(on: table, daemon)
        LogRoutes.register(on: table, daemon)
        HealthRoutes.register(on: table, daemon)
        for route in table.routes { router.on(RouterPath(route.path), method: route.method, use: route.handler) }
        return router
    }

    /// A JSON response with `status`.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// The registered routes, kept so that a wrong method can be told apart from a wrong path.
final class RouteTable: @unchecked Sendable {
    struct Route {
        var method: HTTPRequest.Method
        var path: String
        var handler: ControlRouter.Handler
    }

    private(set) var routes: [Route] = []

    func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping ControlRouter.Handler) {
        routes.append(Route(method: method, path: path, handler: handler))
    }

    /// Methods registered for a concrete request path (`:name` segments match anything).
    func methods(matching path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return routes.filter { route in
            let pattern = route.path.split(separator: "/", omittingEmptySubsequences: true)
            return pattern.count == segments.count && zip(pattern, segments).allSatisfy { $0.hasPrefix(":") || $0 == $1 }
        }.map(\.method)
    }
}

/// Turns every error into a problem response, and a 404 of a known path into a 405.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = ControlRouter.Context
    let table: RouteTable
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            var problem = Problem.from(error)
            if problem.kind == .notFound, case let error as HTTPError = error, error.status == .notFound {
                let allowed = table.methods(matching: request.uri.path)
                if !allowed.isEmpty {
                    let list = allowed.map(\.rawValue).joined(separator: ", ")
                    problem = Problem(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path); use \(list)",
                                      headers: [.allow: list])
                } else {
                    problem = Problem(.notFound, "no resource at \(request.uri.path)")
                }
            }
            if problem.kind == .internalError {
                logger.error("request failed", metadata: [
                    "method": "\(request.method)", "path": "\(request.uri.path)", "error": "\(error)",
                ])
            }
            return try problem.response(from: request, context: context)
        }
    }
}

extension Request {
    /// A query parameter parsed as a whole number within `range`; `nil` when absent.
    func integerQuery(_ name: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        guard let value = Int64(text), range.contains(value) else {
            throw Problem(.validation, "query parameter '\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}

extension Parameters {
    func required(_ name: String) throws -> String {
        guard let value = get(name) else { throw Problem(.badRequest, "missing path parameter \(name)") }
        return value
    }
}

import HTTPTypes
import Hummingbird
import Metrics
import SagaAPI
import Synchronization

/// Counts and times every API request by its route in SagaAPI's table (the path template,
/// never the raw path, whose ids would make a series per order), its method and its status.
/// Outermost middleware, so it sees the status of problem responses too. Long polls
/// (`?wait=`) are counted but not timed: their wait is the client's choice, not latency.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = ControlRouter.Context
    static let requests = "sagad_http_requests_total"
    static let duration = "sagad_http_request_duration_seconds"
    /// The `route` of a request that matched no operation (unknown path or wrong method).
    static let unmatched = "unmatched"

    private let routes = Set(APIOperation.allCases.map(\.pathTemplate))
    private let series = Series()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, started: started)
            return response
        } catch {
            record(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, started: started)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, started: ContinuousClock.Instant) {
        let route = context.endpointPath.flatMap { routes.contains($0) ? $0 : nil } ?? Self.unmatched
        // Only the API's methods become label values: a client cannot mint series.
        let method = route == Self.unmatched && request.method != .get && request.method != .post ? "other" : request.method.rawValue
        series.counter(route: route, method: method, code: status).increment()
        if !Self.isLongPoll(request.uri.query) {
            series.timer(route: route, method: method, statusClass: "\(status / 100)xx").record(duration: ContinuousClock.now - started)
        }
    }

    /// Whether the query asks to wait (`wait=…`), whose time is the wait, not the work. Read
    /// straight from the query text: parsing every request's parameters again cost more.
    static func isLongPoll(_ query: String?) -> Bool {
        guard let query else { return false }
        return query.utf8.split(separator: UInt8(ascii: "&")).contains { item in
            item.starts(with: "wait".utf8) && (item.count == 4 || item.dropFirst(4).first == UInt8(ascii: "="))
        }
    }

    /// Each label combination's metric, made once (making one takes the registry's lock).
    private final class Series: Sendable {
        private let counters = Mutex<[String: Counter]>([:])
        private let timers = Mutex<[String: Timer]>([:])

        func counter(route: String, method: String, code: Int) -> Counter {
            counters.withLock { counters in
                let key = "\(method) \(route) \(code)"
                if let counter = counters[key] { return counter }
                let counter = Counter(label: RequestMetricsMiddleware.requests,
                                      dimensions: [("route", route), ("method", method), ("code", "\(code)")])
                counters[key] = counter
                return counter
            }
        }

        func timer(route: String, method: String, statusClass: String) -> Timer {
            timers.withLock { timers in
                let key = "\(method) \(route) \(statusClass)"
                if let timer = timers[key] { return timer }
                let timer = Timer(label: RequestMetricsMiddleware.duration,
                                  dimensions: [("route", route), ("method", method), ("status_class", statusClass)])
                timers[key] = timer
                return timer
            }
        }
    }
}

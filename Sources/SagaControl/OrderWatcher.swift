import Foundation
import SagaAPI

/// Follows one order until it settles by long-polling for history changes, reporting each
/// history entry exactly once, in order.
struct OrderWatcher: Sendable {
    /// Fetches the order once it has more than `seen` history entries or `wait` has passed.
    typealias Fetch = @Sendable (_ seen: Int, _ wait: Duration) async throws -> Order

    /// The longest single long poll.
    var pollTimeout: Duration = .seconds(30)
    /// Give up after this long; nil waits for as long as it takes.
    var overallTimeout: Duration?

    /// Polls until the order is settled, calling `onChange` for every entry not seen before,
    /// and returns the settled order; throws `watchTimedOut` when the overall timeout passes.
    func watch(
        orderID: String,
        fetch: Fetch,
        onChange: (StatusChange) -> Void
    ) async throws -> Order {
        let clock = ContinuousClock()
        let deadline = overallTimeout.map { clock.now + $0 }
        var seen = 0
        var lastStatus = "unknown"
        while true {
            var wait = pollTimeout
            if let deadline {
                let remaining = clock.now.duration(to: deadline)
                guard remaining > .zero else {
                    throw ControlError.watchTimedOut(
                        orderID: orderID, lastStatus: lastStatus,
                        seconds: Self.seconds(overallTimeout ?? .zero))
                }
                wait = min(wait, remaining)
            }
            let order = try await fetch(seen, wait)
            let history = order.history ?? []
            if history.count > seen {
                for change in history[seen...] { onChange(change) }
            }
            seen = max(seen, history.count)
            lastStatus = order.status
            if order.isSettled { return order }
        }
    }

    /// A duration in seconds as a Double.
    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// A duration as the API's `timeout` query value: whole seconds, or up to milliseconds.
    static func timeoutParameter(_ duration: Duration) -> String {
        let milliseconds = Int64((seconds(duration) * 1000).rounded(.up))
        if milliseconds % 1000 == 0 { return String(milliseconds / 1000) }
        return String(format: "%.3f", Double(milliseconds) / 1000)
    }
}

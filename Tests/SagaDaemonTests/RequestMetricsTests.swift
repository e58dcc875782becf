@testable import SagaDaemon
import Testing

/// Long polls stay out of the request-duration histogram: their time is the wait.
@Suite struct RequestMetricsTests {
    @Test(arguments: [
        ("wait=terminal", true), ("timeout=5&wait=change", true), ("wait", true), ("wait=", true),
        (nil, false), ("", false), ("waiting=1", false), ("timeout=5", false), ("await=1", false), ("x=wait", false),
    ] as [(String?, Bool)])
    func aQueryThatAsksToWaitIsALongPoll(query: String?, isLongPoll: Bool) {
        #expect(RequestMetricsMiddleware.isLongPoll(query) == isLongPoll)
    }
}

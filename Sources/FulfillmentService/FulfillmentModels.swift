public enum FulfillmentStatus: String, Codable, Sendable {
    case pending, successful, failed
}

/// A message stored for the user when their order ends.
public struct NotificationView: Codable, Sendable, Equatable {
    public var id: Int64
    public var orderID: String
    /// `finished`, `failed` or `canceled`.
    public var kind: String
    public var message: String
    public var atMillis: Int64
}

/// The simulated "time-consuming work": how long it takes and how often it fails.
public struct FulfillmentSettings: Sendable, Equatable {
    public var workDuration: Duration
    /// 0 never fails, 1 fails every order.
    public var failureRate: Double
    /// How many orders are worked on at once.
    public var maxConcurrentWork: Int
    /// An order still being fulfilled this long after its payment was taken fails
    /// (`fulfill_failed`, then compensated and refunded); `nil` never times out.
    public var timeout: Duration?

    public init(workDuration: Duration = .milliseconds(200), failureRate: Double = 0, maxConcurrentWork: Int = 512,
                timeout: Duration? = .seconds(30 * 60)) {
        self.timeout = timeout
        self.workDuration = workDuration
        self.failureRate = failureRate
        self.maxConcurrentWork = maxConcurrentWork
    }
}

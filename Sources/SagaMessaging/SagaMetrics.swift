import Metrics
import Synchronization

/// Metric names shared by the services and the daemon (Prometheus style).
public enum SagaMetrics {
    /// Counter: orders placed, by `outcome` (accepted, overloaded, replayed).
    public static let ordersCreated = "sagad_orders_created_total"
    /// Counter: orders reaching a terminal status, by `status`.
    public static let ordersTerminal = "sagad_orders_terminal_total"
    /// Histogram: seconds from an order's creation to each terminal status it reaches, by `status`.
    public static let orderSettle = "sagad_order_settle_seconds"
    /// Timer: time from an event's creation to its handler's commit, by `step` (event type).
    public static let stepLatency = "sagad_saga_step_seconds"
    /// Counter: events applied, by `service` and `type`.
    public static let eventsHandled = "sagad_events_handled_total"
    /// Counter: events that failed and were retried, by `service`.
    public static let handlerRetries = "sagad_handler_retries_total"
    /// Counter: records sent to a dead-letter topic, by `topic`.
    public static let deadLetters = "sagad_dead_letters_total"
    /// Gauge: outbox rows waiting for the relay, by `service`.
    public static let outboxBacklog = "sagad_outbox_backlog"
    /// Gauge: records a consumer group has not consumed, by `group`, `topic` and `partition`.
    public static let consumerLag = "sagad_consumer_lag"
    /// Counter: orders ended by a deadline, by `step` (`payment`: canceled while still created,
    /// `fulfillment`: failed and refunded while still processing).
    public static let orderTimeouts = "sagad_order_timeouts_total"
    /// Gauge: orders past their step's deadline that no sweep has ended yet, by `step`.
    public static let ordersOverdue = "sagad_orders_overdue"
    /// Histogram: seconds of one group-commit transaction of a service database, its WAL
    /// fsync (`synchronous = FULL`) included, by `database`; its count is the commits (syncs).
    public static let databaseCommit = "sagad_db_commit_duration_seconds"

    /// One timer per database file, made once (making a metric takes the registry's lock).
    private static let commitTimers = Mutex<[String: Timer]>([:])

    /// Records a committed group-commit transaction of the database at `path`, begun at
    /// `started`; `committed` false (a lone write that rolled back) records nothing.
    public static func databaseCommitted(_ path: String, since started: ContinuousClock.Instant, committed: Bool = true) {
        guard committed else { return }
        commitTimer(path).record(duration: ContinuousClock.now - started)
    }

    /// The commit timer of the database at `path`; making it early exports its series at 0,
    /// so that `rate()` sees the first commits too.
    @discardableResult
    public static func commitTimer(_ path: String) -> Timer {
        commitTimers.withLock { timers in
            if let timer = timers[path] { return timer }
            let file = path.split(separator: "/").last.map(String.init) ?? path
            let name = file.hasSuffix(".sqlite") ? String(file.dropLast(".sqlite".count)) : file
            let timer = Timer(label: databaseCommit, dimensions: [("database", name)])
            timers[path] = timer
            return timer
        }
    }
}

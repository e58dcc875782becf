/// Metric names shared by the services and the daemon (Prometheus style).
public enum SagaMetrics {
    /// Counter: orders placed, by `outcome` (accepted, overloaded, replayed).
    public static let ordersCreated = "sagad_orders_created_total"
    /// Counter: orders reaching a terminal status, by `status`.
    public static let ordersTerminal = "sagad_orders_terminal_total"
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
}

import Logging
import MessageLog
import SagaMessaging

/// What a saga service runs on when its state is in PostgreSQL: its schema (migrated at
/// start), a writer on a thread of its own, the outbox relay (one instance at a time relays a
/// service's outbox) and the event consumer, a member of the service's consumer group beside
/// the other instances'. The PostgreSQL counterpart of SagaMessaging's `ServiceHost`, running
/// the same saga steps.
public final class PostgresServiceHost: Sendable {
    /// The service's name: its consumer group and its metrics' `service` label.
    public let name: String
    public let schema: PostgresServiceSchema
    public let writer: PostgresWriter
    public let relay: PostgresOutboxRelay
    public let consumer: ServiceConsumer<PostgresWriter>
    public let logger: Logger

    /// Migrates `schema` on `store` and wires the writer, the relay and a consumer of
    /// `consumes` in group `name`. `handler` applies one event inside the consumer's
    /// transaction; after each commit the relay is woken (the handler may have queued events)
    /// and `afterCommit` hears which events took effect.
    /// - Throws: ``PostgresStoreError/migrationFailed(schema:step:reason:)``, or the server's
    ///   error when the writer's connection cannot be made.
    public init(
        name: String, store: PostgresStore, schema: PostgresServiceSchema, consumes: [SagaEventType],
        log: any MessageLog & MessageLogAdmin, retry: RetryPolicy = RetryPolicy(), logger: Logger,
        handler: @escaping ServiceConsumer<PostgresWriter>.Handler,
        afterCommit: @escaping @Sendable ([SagaEvent]) -> Void = { _ in }
    ) async throws {
        self.name = name
        self.schema = schema
        self.logger = logger
        _ = try await PostgresMigrator(schema).migrate(on: store.client, logger: logger)
        let writer = try await PostgresWriter(store: store, schema: schema, threadName: "pg-\(name)", logger: logger)
        self.writer = writer
        let relay = PostgresOutboxRelay(store: store, schema: schema, log: log, logger: logger) { row in
            try OutboxRelay.record(
                topic: row.topic, eventID: row.eventID, key: row.recordKey, payload: row.payload, traceparent: row.traceparent)
        }
        self.relay = relay
        consumer = ServiceConsumer(
            service: name, group: name, types: consumes, log: log, writer: writer, retry: retry, logger: logger,
            handler: handler,
            afterCommit: { events in
                relay.wake()
                afterCommit(events)
            })
    }

    /// Writes through the service's writer and wakes the relay: for the service's own changes
    /// (an order placed, a fulfillment's outcome), whose events the outbox holds.
    public func write<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        let value = try await writer.write(body)
        relay.wake()
        return value
    }

    /// Runs the relay and the consumer (and `work`, if any) until cancelled.
    public func run(alongside work: (@Sendable () async -> Void)? = nil) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.relay.run() }
            group.addTask { await self.consumer.run() }
            if let work { group.addTask { await work() } }
        }
    }

    /// Closes the writer's session and stops its thread (after `run` has ended).
    public func close() async {
        await writer.close()
    }
}

extension PostgresServiceHost: StoreHost {
    public var consumerControl: any ConsumerControl { consumer }
    public var relayStorageFault: String? { relay.storageFault }
    public func wakeRelay() { relay.wake() }

    /// Outbox rows not yet relayed (by any instance).
    public func outboxBacklog() async throws -> Int {
        try await writer.write(durable: false) { db in try db.firstRow("SELECT COUNT(*) FROM outbox") { $0.int(0) } ?? 0 }
    }
}

import GRDB
import Logging
import MessageLog

/// What every saga service runs on: its own database (migrated from its schema), the outbox
/// relay that publishes what it commits, and the event consumer (with its dead letters) that
/// applies what it subscribes to. A service brings its state machine and schema; the host
/// brings the plumbing and `run()`, so the three services share one skeleton.
public final class ServiceHost: Sendable {
    /// The service's name: its consumer group, its metrics' `service` label, its liveness key.
    public let name: String
    public let database: DatabasePool
    /// The database's group-commit writer: what the consumer, the relay and the service's own
    /// hot writes go through, so that concurrent ones share a transaction.
    public let writer: GroupCommit
    public let relay: OutboxRelay
    public let consumer: EventConsumer
    /// The service's logger, for the work it runs beside the relay and consumer.
    public let logger: Logger

    /// Opens (and migrates) the database at `databasePath` and wires the relay and a consumer
    /// of `consumes` in group `name`. `handler` applies one event inside the consumer's
    /// transaction; after each commit the relay is woken (the handler may have queued events)
    /// and `afterCommit` hears which events took effect.
    /// - Throws: GRDB's error when the database cannot be opened or migrated, or a file
    ///   system error when its directory cannot be created.
    public init(
        name: String, databasePath: String, schema: ServiceSchema, consumes: [SagaEventType],
        log: any MessageLog & MessageLogAdmin, retry: RetryPolicy, logger: Logger,
        handler: @escaping EventConsumer.Handler, afterCommit: @escaping @Sendable ([SagaEvent]) -> Void = { _ in }
    ) throws {
        self.name = name
        self.logger = logger
        database = try ServiceDatabase.open(path: databasePath, migrator: schema.migrator)
        let writer = GroupCommit(database: database)
        self.writer = writer
        let relay = OutboxRelay(service: name, database: database, writer: writer, log: log, logger: logger)
        self.relay = relay
        consumer = EventConsumer(
            service: name, group: name, types: consumes, log: log, database: database, writer: writer,
            retry: retry, logger: logger, handler: handler,
            afterCommit: { events in
                relay.wake()
                afterCommit(events)
            })
    }

    /// Runs the relay, the consumer and the service's own `work` (if any) until cancelled, on
    /// a thread of the service's own (see ``ServiceThread``), which ends with the run; the
    /// database's WAL is checkpointed beside it (see ``WALCheckpointer``).
    public func run(alongside work: (@Sendable () async -> Void)? = nil) async {
        let thread = ServiceThread(name: "svc-\(name)")
        writer.commit(on: thread)
        defer {
            writer.commit(on: nil)
            thread.stop()
        }
        let checkpointer: WALCheckpointer?
        do {
            checkpointer = try WALCheckpointer(database: database, name: "wal-\(name)", logger: logger)
        } catch {
            checkpointer = nil
            logger.warning("WAL checkpoints stay on the service's thread", metadata: ["error": "\(error)"])
        }
        await withTaskExecutorPreference(thread) {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.relay.run() }
                group.addTask { await self.consumer.run() }
                if let work { group.addTask { await work() } }
            }
        }
        await checkpointer?.stop()
    }

    /// Outbox rows not yet relayed.
    /// - Throws: GRDB's error when the outbox cannot be read.
    public func outboxBacklog() async throws -> Int { try await relay.backlog() }

    /// The events about `orderID` this service applied, from its inbox (by the order's index).
    /// - Throws: GRDB's error when the inbox cannot be read.
    public func handledEvents(orderID: String) async throws -> [HandledEvent] {
        try await database.read { try Inbox.handledEvents(orderID: orderID, in: $0) }
    }

    /// A round trip through the database's writer: reads alone still answer while a lock held
    /// elsewhere keeps every write from happening.
    /// - Throws: GRDB's error (busy, locked) when the writer cannot be had.
    public func checkWriter() async throws {
        _ = try await database.write { db in try Outbox.backlog(db) }
    }
}

import Logging
import MessageLog
import PostgresNIO
import Synchronization

/// Relays one service's PostgreSQL outbox to the log, with exactly one sagad instance at a time
/// doing it for that service.
///
/// **Who relays.** The relay holds a session-level `pg_try_advisory_lock` (keyed by the schema
/// name) on a connection of its own, and reads, appends and deletes only while holding it, on
/// that same connection. When the holder's process dies or its connection breaks, PostgreSQL
/// ends the session and frees the lock; another instance's ``run()``, which keeps trying to take
/// it, takes over where the rows stand.
///
/// **Why order holds.** One holder reads rows `ORDER BY seq` and appends them per topic in that
/// order, and a log keeps one key's records in append order within a topic. `seq` is assigned
/// at insert, not at commit, so two transactions can commit out of `seq` order; for one order
/// this cannot happen as long as every transaction that queues an order's events locks that
/// order's row (they do: each changes the order's or its checkout's row), because the later
/// transaction waits for the earlier one's commit before it inserts. For different orders a
/// late-committing row with a lower `seq` is simply read by a later batch — which is why the
/// relay deletes exactly the rows it appended (`seq = ANY(...)`), never "everything through the
/// last seq": a row that committed while the batch was being appended would go unrelayed.
///
/// **Crashes.** A crash (or a lost connection) between the append and the delete leaves the rows
/// in the outbox; the next holder appends them again. Consumers drop the repeats by event id
/// through their inbox. A former holder that lost its connection mid-batch may still finish an
/// append after the new holder's: both append the same rows in the same order, so the first
/// copy of each event still comes in order and the second is a repeat.
public actor PostgresOutboxRelay {
    public let schema: PostgresServiceSchema
    private let store: PostgresStore
    private let log: any MessageLog
    private let logger: Logger
    private let batchSize: Int
    private let record: @Sendable (PostgresOutbox.Row) throws -> ProducerRecord
    private let wakeups: AsyncStream<Void>
    private let wakeupSink: AsyncStream<Void>.Continuation
    /// The connection holding the relay lock, while this instance is the relay.
    private var lockHolder: PostgresConnection?
    /// What the last pass failed on, until one succeeds.
    private let fault = Mutex<String?>(nil)

    /// What keeps the relay from publishing right now (the database or the log failing), or
    /// nil once a pass went through.
    public nonisolated var storageFault: String? { fault.withLock { $0 } }

    /// `record` makes the log record of a row (the saga's codec supplies its headers: event id,
    /// type, trace context); rows are appended in batches of up to `batchSize`.
    public init(store: PostgresStore, schema: PostgresServiceSchema, log: any MessageLog, logger: Logger, batchSize: Int = 1000,
                record: @escaping @Sendable (PostgresOutbox.Row) throws -> ProducerRecord) {
        self.store = store
        self.schema = schema
        self.log = log
        self.logger = logger
        self.batchSize = batchSize
        self.record = record
        (wakeups, wakeupSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Whether this instance holds the relay lock (as far as it knows: a broken connection is
    /// only noticed by its next query).
    public var isRelaying: Bool { lockHolder.map { !$0.isClosed } ?? false }

    /// Tries to become the relay: true when this instance holds the lock (now or already),
    /// false when another session holds it.
    public func acquire() async throws -> Bool {
        if let lockHolder, !lockHolder.isClosed { return true }
        lockHolder = nil
        let connection = try await store.openConnection()
        do {
            let rows = try await connection.query(
                "SELECT pg_try_advisory_lock(hashtextextended(\(Self.lockKey(schema.name)), 0))", logger: logger)
            var locked = false
            for try await value in rows.decode(Bool.self) { locked = value }
            guard locked else {
                try? await connection.close()
                return false
            }
            lockHolder = connection
            logger.info("took the outbox relay lock", metadata: ["schema": "\(schema.name)"])
            return true
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Stops being the relay: closes the lock's connection, which frees the lock.
    public func release() async {
        guard let connection = lockHolder else { return }
        lockHolder = nil
        try? await connection.close()
    }

    /// Tells the relay that new rows were committed (on this instance; those of other instances
    /// are announced through the database, see `followAnnouncements`).
    public nonisolated func wake() { wakeupSink.yield() }

    /// Until cancelled: wakes the relay, while it holds the lock, whenever any instance commits
    /// outbox rows (the schema's `announce outbox rows` trigger), and after each (re)connection
    /// of its listener; `idle` polling covers the gaps.
    private nonisolated func followAnnouncements() async {
        let wakeupSink = wakeupSink
        await OrderChangeListener.follow(
            store: store, channel: PostgresServiceSchema.outboxChannel(schema.name), logger: logger,
            connected: { wakeupSink.yield() },
            heard: { _ in if await self.isRelaying { wakeupSink.yield() } })
    }

    /// Relays one batch: reads the oldest rows, appends them, deletes exactly those. Returns how
    /// many went. - Throws: ``PostgresStoreError/relayLockNotHeld(schema:)`` unless ``acquire()``
    /// succeeded; the connection's error when it broke (then the lock is gone too).
    @discardableResult
    public func relayOnce() async throws -> Int {
        guard let connection = lockHolder, !connection.isClosed else { throw PostgresStoreError.relayLockNotHeld(schema: schema.name) }
        let rows = try await PostgresOutbox.oldest(batchSize, schema: schema, on: connection, logger: logger)
        guard !rows.isEmpty else { return 0 }
        try await append(rows)
        try await PostgresOutbox.delete(rows.map(\.seq), schema: schema, on: connection, logger: logger)
        return rows.count
    }

    /// Until the task is cancelled: tries to become the relay every `idle`, and once it is,
    /// relays whenever woken or every `idle`; after a failure it gives up the lock (another
    /// instance may take over) and backs off. Releases the lock when it ends.
    public func run(idle: Duration = .milliseconds(250)) async {
        var failures = 0
        var iterator = wakeups.makeAsyncIterator()
        let ticker = Task { [wakeupSink] in
            while !Task.isCancelled {
                try? await Task.sleep(for: idle)
                wakeupSink.yield()
            }
        }
        let announcements = Task { await followAnnouncements() }
        defer {
            ticker.cancel()
            announcements.cancel()
        }
        while !Task.isCancelled {
            do {
                let relayed = try await acquire() ? try await relayOnce() : 0
                failures = 0
                fault.withLock { $0 = nil }
                if relayed == 0 { _ = await iterator.next() }
            } catch {
                if Task.isCancelled { break }
                failures += 1
                fault.withLock { $0 = PostgresStoreError.serverMessage(error) }
                await release()
                let delay = min(5000, 50 << min(failures, 7))
                logger.error("outbox relay failed; retrying", metadata: [
                    "schema": "\(schema.name)", "error": "\(PostgresStoreError.serverMessage(error))", "retry_in_ms": "\(delay)",
                ])
                try? await Task.sleep(for: .milliseconds(delay))
            }
        }
        await release()
    }

    /// Appends `rows` with one append per topic, each topic's records in `seq` order.
    private func append(_ rows: [PostgresOutbox.Row]) async throws {
        var byTopic: [String: [ProducerRecord]] = [:]
        var topics: [String] = []
        for row in rows {
            if byTopic[row.topic] == nil { topics.append(row.topic) }
            byTopic[row.topic, default: []].append(try record(row))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for topic in topics {
                let records = byTopic[topic] ?? []
                group.addTask { [log] in _ = try await log.append(records, to: topic) }
            }
            try await group.waitForAll()
        }
    }

    /// The text whose hash keys the relay lock of `schema` (distinct from the migrations').
    static func lockKey(_ schema: String) -> String { "sagad outbox relay \(schema)" }
}

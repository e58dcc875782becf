import Foundation
import GRDB
import Logging
import MessageLog
import Metrics
import Synchronization

/// A service's subscription: polls batches from its consumer group, applies each event once
/// (inbox) in one SQLite transaction per batch (through the database's `GroupCommit`, so the
/// batch may share its commit with other writes), and commits the offsets only after that
/// transaction. A batch that fails is retried record by record with backoff; a record that
/// keeps failing, or cannot be decoded at all, goes to its dead-letter topic (`DeadLetterQueue`) and processing continues.
///
/// Generic over where the batches commit (`ServiceWriter`): SQLite's `GroupCommit`
/// (`EventConsumer`), or a PostgreSQL writer, with the same saga steps as handler.
public final class ServiceConsumer<Writer: ServiceWriter>: Sendable {
    /// Applies one event inside the caller's transaction. Throwing rolls the transaction back.
    public typealias Handler = @Sendable (SagaEvent, Writer.Session) throws -> Void

    public let service: String
    public let group: String
    public let types: [SagaEventType]
    private let log: any MessageLog
    private let deadLetters: DeadLetterQueue
    private let writer: Writer
    private let retry: RetryPolicy
    /// The storage fault being waited out, if any (see ``StorageFault``).
    private let fault = Mutex<String?>(nil)

    /// What keeps the consumer from applying events right now — a full disk, a busy or
    /// failing database — or nil; it resumes by itself once the fault is gone.
    public var storageFault: String? { fault.withLock { $0 } }
    private let logger: Logger
    private let handler: Handler
    private let afterCommit: @Sendable ([SagaEvent]) -> Void
    private let batchSize: Int
    private let commitInterval: Duration
    private let pause = PauseSwitch()
    /// The handled-events counter and step-latency timer of each consumed type, made once
    /// (making a metric looks it up in the metrics system's registry, under its lock).
    private let metrics: [SagaEventType: (handled: Counter, latency: Timer)]

    public init(
        service: String, group: String, types: [SagaEventType], log: any MessageLog & MessageLogAdmin, writer: Writer,
        retry: RetryPolicy = RetryPolicy(), batchSize: Int = 256,
        commitInterval: Duration = ConsumerTiming.commitInterval, logger: Logger,
        handler: @escaping Handler, afterCommit: @escaping @Sendable ([SagaEvent]) -> Void = { _ in }
    ) {
        self.service = service
        self.group = group
        self.types = types
        self.log = log
        deadLetters = DeadLetterQueue(log: log, logger: logger)
        self.writer = writer
        self.retry = retry
        self.batchSize = batchSize
        self.commitInterval = commitInterval
        self.logger = logger
        self.handler = handler
        self.afterCommit = afterCommit
        metrics = Dictionary(uniqueKeysWithValues: types.map { type in
            (type, (Counter(label: SagaMetrics.eventsHandled, dimensions: [("service", service), ("type", type.rawValue)]),
                    Timer(label: SagaMetrics.stepLatency, dimensions: [("step", type.rawValue)])))
        })
    }

    /// Consumes until the task is cancelled, then leaves the group. While paused the member
    /// leaves the group (so its offsets can be reset) and rejoins on resume.
    public func run() async {
        while !Task.isCancelled {
            await pause.waitWhilePaused()
            if Task.isCancelled { break }
            await consumeUntilPausedOrCancelled()
        }
    }

    /// Stops consuming; returns once this member has left its group.
    public func pauseConsuming() async { await pause.pause() }
    public func resumeConsuming() { pause.resume() }
    public var isPaused: Bool { pause.isPaused }

    private func consumeUntilPausedOrCancelled() async {
        let consumer: any MessageConsumer
        do {
            consumer = try log.subscribe(group: group, topics: types.map(\.topic))
        } catch {
            logger.critical("cannot join consumer group", metadata: ["group": "\(group)", "error": "\(error)"])
            try? await Task.sleep(for: .seconds(1))
            return
        }
        var progress = UncommittedProgress(interval: commitInterval)
        defer {
            consumer.close()
            pause.acknowledgeLeft()
        }
        var lastPurge = ContinuousClock.now
        while !Task.isCancelled && !pause.isPaused {
            if ContinuousClock.now - lastPurge > ConsumerTiming.inboxPurgeInterval {
                lastPurge = ContinuousClock.now
                await purgeInbox()
            }
            do {
                let records = try await consumer.poll(maxRecords: batchSize, timeout: progress.pollTimeout(idle: .milliseconds(500)))
                if !records.isEmpty {
                    // An interrupted batch (shutdown) is not committed: it is delivered again.
                    guard let applied = await process(records) else { break }
                    progress.add(records)
                    afterCommit(applied)
                }
                if progress.isDue(idle: records.isEmpty) {
                    try await consumer.commit(progress.records)
                    progress.clear()
                }
            } catch let error as any MessageLogError where error.kind == .membershipLost {
                // The group moved on without this member's offsets: the records go again to
                // whoever owns their partitions now (this member too, perhaps), whose inbox drops
                // what was applied. Retrying the same commit would fail the same way for ever.
                logger.warning("offsets not committed: the group rebalanced first; those events are delivered again", metadata: [
                    "group": "\(group)", "events": "\(progress.records.count)", "error": "\(error)",
                ])
                progress.clear()
            } catch {
                if Task.isCancelled { break }
                logger.error("consumer loop error; retrying", metadata: ["group": "\(group)", "error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        // Leaving (a pause, a shutdown): what was applied is committed, so that the member
        // taking over does not get it again.
        if !progress.records.isEmpty {
            do { try await consumer.commit(progress.records) } catch {
                logger.warning("offset commit on leaving failed; the events are delivered again and dropped by the inbox",
                               metadata: ["group": "\(group)", "error": "\(error)"])
            }
        }
    }

    /// See `ConsumerTiming.commitInterval`.
    public static var commitInterval: Duration { ConsumerTiming.commitInterval }

    private func purgeInbox() async {
        do {
            try await writer.write { db in try Inbox.purge(olderThan: ConsumerTiming.inboxHorizonMillis, in: db) }
        } catch {
            logger.warning("inbox purge failed", metadata: ["group": "\(group)", "error": "\(error)"])
        }
    }

    /// Applies `records`; returns the events that took effect. What cannot be applied is
    /// dead-lettered. Returns nil when cancellation interrupted the batch: then nothing may be
    /// committed (a failure caused by shutdown is not the record's fault).
    func process(_ records: [LogRecord]) async -> [SagaEvent]? {
        var decoded: [(LogRecord, SagaEvent)] = []
        for record in records {
            do {
                decoded.append((record, try EventCodec.event(from: record)))
            } catch {
                guard await deadLetter(record, error: error, attempts: 1) else { return nil }
            }
        }
        guard !decoded.isEmpty else { return [] }
        let handler = self.handler
        let batch = decoded
        do {
            let applied = try await writer.write { db -> [SagaEvent] in
                var applied: [SagaEvent] = []
                for (record, event) in batch where try Inbox.markProcessed(event, from: record, in: db) {
                    try handler(event, db)
                    applied.append(event)
                }
                return applied
            }
            recordHandled(applied)
            return applied
        } catch {
            if Task.isCancelled { return nil }
            logger.warning("batch failed; applying its records one by one", metadata: [
                "group": "\(group)", "records": "\(decoded.count)", "error": "\(error)",
            ])
        }
        var applied: [SagaEvent] = []
        for (record, event) in decoded {
            switch await applyWithRetries(record, event) {
            case .applied(let done): applied += done
            case .deadLettered: break
            case .interrupted: return nil
            }
        }
        recordHandled(applied)
        return applied
    }

    private enum Outcome {
        case applied([SagaEvent])
        case deadLettered
        case interrupted
    }

    /// Applies one event, retrying with backoff; after `retry.maxAttempts` failures of its own
    /// it is dead-lettered. A storage fault (see ``StorageFault``) is not the event's: it is
    /// waited out — retried every `retry.maxDelay` for as long as it lasts, shown in
    /// `storageFault` — and does not count as an attempt.
    private func applyWithRetries(_ record: LogRecord, _ event: SagaEvent) async -> Outcome {
        let handler = self.handler
        var lastError: any Error = CancellationError()
        var attempt = 1
        var faultLogged: ContinuousClock.Instant? = nil
        defer { fault.withLock { $0 = nil } }
        while attempt <= retry.maxAttempts {
            try? await Task.sleep(for: faultLogged == nil ? retry.delay(beforeAttempt: attempt) : retry.maxDelay)
            if Task.isCancelled { return .interrupted }
            do {
                let took = try await writer.write { db -> Bool in
                    guard try Inbox.markProcessed(event, from: record, in: db) else { return false }
                    try handler(event, db)
                    return true
                }
                if faultLogged != nil {
                    logger.notice("storage fault over; consuming again", metadata: ["group": "\(group)"])
                }
                return .applied(took ? [event] : [])
            } catch {
                if Task.isCancelled { return .interrupted }
                if writer.isTransient(error) {
                    fault.withLock { $0 = "\(error)" }
                    if faultLogged.map({ ContinuousClock.now - $0 > .seconds(30) }) ?? true {
                        faultLogged = .now
                        logger.error("storage fault: waiting it out, the event is not dead-lettered", metadata: [
                            "group": "\(group)", "event": "\(event.id)", "error": "\(error)",
                        ].merging(event.logMetadata) { $1 })
                    }
                    continue
                }
                attempt += 1
                lastError = error
                Counter(label: SagaMetrics.handlerRetries, dimensions: [("service", service)]).increment()
                logger.warning("handler failed", metadata: [
                    "group": "\(group)", "event": "\(event.id)", "type": "\(event.type.rawValue)",
                    "attempt": "\(attempt - 1)", "error": "\(error)",
                ].merging(event.logMetadata) { $1 })
            }
        }
        return await deadLetter(record, error: lastError, attempts: retry.maxAttempts) ? .deadLettered : .interrupted
    }

    /// Sends `record` to its dead-letter topic; false when cancelled first (the record must
    /// then not be committed).
    private func deadLetter(_ record: LogRecord, error: any Error, attempts: Int) async -> Bool {
        await deadLetters.send(record, headers: DeadLetterHeaders(for: record, error: error, attempts: attempts, group: group))
    }

    private func recordHandled(_ events: [SagaEvent]) {
        let now = nowMillis()
        let traced = logger.logLevel <= .debug
        for event in events {
            if traced {
                logger.debug("event applied", metadata: [
                    "group": "\(group)", "event": "\(event.id)", "type": "\(event.type.rawValue)",
                ].merging(event.logMetadata) { $1 })
            }
            let (handled, latency) = metrics[event.type] ?? (
                Counter(label: SagaMetrics.eventsHandled, dimensions: [("service", service), ("type", event.type.rawValue)]),
                Timer(label: SagaMetrics.stepLatency, dimensions: [("step", event.type.rawValue)]))
            handled.increment()
            latency.recordMilliseconds(max(0, now - event.occurredAtMillis))
        }
    }
}

/// A service's consumer on SQLite, committing through the database's `GroupCommit`.
public typealias EventConsumer = ServiceConsumer<GroupCommit>

/// The timings every `ServiceConsumer` shares (a generic class keeps no stored statics).
public enum ConsumerTiming {
    /// How long applied events may wait for their offsets to be committed while more arrive
    /// (see `UncommittedProgress`): as long as the offset journals wait for their sync.
    public static let commitInterval: Duration = .milliseconds(100)

    /// Inbox entries older than this are forgotten: far beyond any redelivery (a restart, a
    /// rebalance, a relay retry replays at most minutes of events).
    static let inboxHorizonMillis: Int64 = 7 * 24 * 3600 * 1000
    static let inboxPurgeInterval: Duration = .seconds(600)
}

extension ServiceConsumer where Writer == GroupCommit {
    /// A consumer committing through `writer`, or a group commit of its own on `database`.
    public convenience init(
        service: String, group: String, types: [SagaEventType], log: any MessageLog & MessageLogAdmin, database: DatabasePool,
        writer: GroupCommit? = nil, retry: RetryPolicy = RetryPolicy(), batchSize: Int = 256,
        commitInterval: Duration = ConsumerTiming.commitInterval, logger: Logger,
        handler: @escaping Handler, afterCommit: @escaping @Sendable ([SagaEvent]) -> Void = { _ in }
    ) {
        self.init(
            service: service, group: group, types: types, log: log, writer: writer ?? GroupCommit(database: database),
            retry: retry, batchSize: batchSize, commitInterval: commitInterval, logger: logger, handler: handler,
            afterCommit: afterCommit)
    }
}

extension SagaEvent {
    /// What every log line about this event's order carries: the order id and its trace id.
    public var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["order": "\(orderID)"]
        if let trace { metadata["trace_id"] = "\(trace.traceID)" }
        return metadata
    }
}

/// The paused flag of a consumer loop, with waits for "resumed" and for "the member left".
final class PauseSwitch: Sendable {
    private struct State {
        var paused = false
        var memberActive = false
        var resumeWaiters: [CheckedContinuation<Void, Never>] = []
        var leftWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    var isPaused: Bool { state.withLock { $0.paused } }

    func pause() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let alreadyLeft = state.withLock { state -> Bool in
                state.paused = true
                if !state.memberActive { return true }
                state.leftWaiters.append(continuation)
                return false
            }
            if alreadyLeft { continuation.resume() }
        }
    }

    func resume() {
        let waiters = state.withLock { state in
            state.paused = false
            defer { state.resumeWaiters.removeAll() }
            return state.resumeWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Called by the loop before it joins: waits while paused (or until cancelled), then marks
    /// the member active.
    func waitWhilePaused() async {
        while !Task.isCancelled {
            let active = state.withLock { state -> Bool in
                guard !state.paused else { return false }
                state.memberActive = true
                return true
            }
            if active { return }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let waiting = state.withLock { state -> Bool in
                        guard state.paused, !Task.isCancelled else { return false }
                        state.resumeWaiters.append(continuation)
                        return true
                    }
                    if !waiting { continuation.resume() }
                }
            } onCancel: {
                let waiters = state.withLock { state in
                    defer { state.resumeWaiters.removeAll() }
                    return state.resumeWaiters
                }
                for waiter in waiters { waiter.resume() }
            }
        }
    }

    func acknowledgeLeft() {
        let waiters = state.withLock { state in
            state.memberActive = false
            defer { state.leftWaiters.removeAll() }
            return state.leftWaiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

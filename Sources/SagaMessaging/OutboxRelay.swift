import Foundation
import GRDB
import Logging
import MessageLog
import Metrics
import Synchronization

/// Moves a service's outbox rows to the log: reads a batch in insertion order, appends it
/// (one append per topic), then deletes exactly those rows. A crash between the append and
/// the delete appends the rows again after restart; consumers drop the repeats by event id.
public actor OutboxRelay {
    public let service: String
    private let database: DatabasePool
    private let writer: GroupCommit
    private let log: any MessageLog
    private let logger: Logger
    private let batchSize: Int
    private let wakeups: AsyncStream<Void>
    private let wakeupSink: AsyncStream<Void>.Continuation
    private let backlogGauge: Gauge
    private let fault = Mutex<String?>(nil)
    /// The last row `run()` appended and has not deleted yet: its next read deletes it in the
    /// same write.
    private var appendedThrough: Int64?

    typealias PendingRow = (seq: Int64, topic: String, record: ProducerRecord)

    /// The storage fault (see ``StorageFault``) the relay is retrying through, if any: the log's
    /// or the database's disk is full, so nothing it holds reaches the log until space is freed.
    public nonisolated var storageFault: String? { fault.withLock { $0 } }

    /// `writer` is the database's group-commit writer (one is made when none is given).
    public init(service: String, database: DatabasePool, writer: GroupCommit? = nil, log: any MessageLog, logger: Logger,
                batchSize: Int = 1000) {
        self.service = service
        self.database = database
        self.writer = writer ?? GroupCommit(database: database)
        self.log = log
        self.logger = logger
        self.batchSize = batchSize
        (wakeups, wakeupSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        backlogGauge = Gauge(label: SagaMetrics.outboxBacklog, dimensions: [("service", service)])
    }

    /// Tells the relay that new rows were committed.
    public nonisolated func wake() { wakeupSink.yield() }

    /// Relays until the task is cancelled; sleeps until woken (or the next second's tick) when
    /// idle, and backs off after failures. The tick is one timer for the whole run: a sleeping
    /// task per idle spell (a thousand a second under load) woke a timer thread each time.
    public func run() async {
        var failures = 0
        var iterator = wakeups.makeAsyncIterator()
        let ticker = Task { [wakeupSink] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                wakeupSink.yield()
            }
        }
        defer { ticker.cancel() }
        while !Task.isCancelled {
            do {
                let relayed = try await relayNextBatch()
                failures = 0
                fault.withLock { $0 = nil }
                // A cancelled wait returns nil at once (the stream ends with the task).
                if relayed == 0 { _ = await iterator.next() }
            } catch {
                if Task.isCancelled { break }
                failures += 1
                if StorageFault.isTransient(error) { fault.withLock { $0 = "\(error)" } }
                let delay = min(5000, 50 << min(failures, 7))
                logger.error("outbox relay failed; retrying", metadata: [
                    "service": "\(service)", "error": "\(error)", "retry_in_ms": "\(delay)",
                ])
                try? await Task.sleep(for: .milliseconds(delay))
            }
        }
        if let appendedThrough { try? await markSent(through: appendedThrough) }
    }

    /// Deletes what the last batch appended and reads the next one in one write through the
    /// database's group commit — one hop, whose commit the consumer's writes share, where a
    /// read on a reader and a delete on the writer took two — then appends it. Returns how
    /// many rows went.
    func relayNextBatch() async throws -> Int {
        let limit = batchSize
        let sent = appendedThrough
        let (rows, backlog) = try await writer.write(durable: false) { db -> ([PendingRow], Int) in
            if let sent { try db.run("DELETE FROM outbox WHERE seq <= ?") { $0.bind(sent) } }
            let rows = try Self.pendingRows(db, limit: limit)
            return (rows, rows.count < limit ? rows.count : try Outbox.backlog(db))
        }
        appendedThrough = nil
        backlogGauge.record(backlog)
        guard let last = rows.last else { return 0 }
        try await append(rows)
        appendedThrough = last.seq
        return rows.count
    }

    /// Relays one batch; returns how many rows went.
    @discardableResult
    public func relayOnce() async throws -> Int {
        guard let (count, lastSeq) = try await appendPending() else { return 0 }
        try await markSent(through: lastSeq)
        return count
    }

    /// Appends the oldest pending rows; returns their count and the last sequence number.
    func appendPending() async throws -> (Int, Int64)? {
        let limit = batchSize
        let rows = try await database.read { db in try Self.pendingRows(db, limit: limit) }
        guard let last = rows.last else {
            backlogGauge.record(0)
            return nil
        }
        try await append(rows)
        return (rows.count, last.seq)
    }

    /// The oldest `limit` outbox rows, as log records.
    static func pendingRows(_ db: Database, limit: Int) throws -> [PendingRow] {
        try db.allRows("SELECT seq, topic, event_id, record_key, payload, traceparent FROM outbox ORDER BY seq LIMIT ?") {
            $0.bind(limit)
        } read: { columns in
            let topic = try columns.text(1)
            return (columns.int64(0), topic, try Self.record(
                topic: topic, eventID: columns.text(2), key: columns.optionalText(3), payload: columns.bytes(4),
                traceparent: columns.optionalText(5)))
        }
    }

    /// Appends `rows` with one append per topic.
    private func append(_ rows: [PendingRow]) async throws {
        var byTopic: [(String, [ProducerRecord])] = []
        for row in rows {
            let (topic, record) = (row.topic, row.record)
            if byTopic.last?.0 == topic { byTopic[byTopic.count - 1].1.append(record) } else { byTopic.append((topic, [record])) }
        }
        // Appends per topic keep each order's events in order within the topic; the groups
        // of one topic are merged so that a batch costs one append per topic.
        var merged: [String: [ProducerRecord]] = [:]
        var order: [String] = []
        for (topic, records) in byTopic {
            if merged[topic] == nil { order.append(topic) }
            merged[topic, default: []] += records
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for topic in order {
                let records = merged[topic]!
                group.addTask { [log] in _ = try await log.append(records, to: topic) }
            }
            try await group.waitForAll()
        }
    }

    /// The log record of an outbox row: its payload as it was encoded on the way in, with the
    /// key and headers from its columns. Rows from before the record key was stored are decoded
    /// and encoded again.
    /// - Throws: a decoding error when such an old row's payload is no event.
    public static func record(topic: String, eventID: String, key: String?, payload: [UInt8], traceparent: String?) throws
        -> ProducerRecord
    {
        guard let key, let type = SagaEventType(rawValue: topic) else {
            return try EventCodec.record(for: JSONDecoder().decode(SagaEvent.self, from: Data(payload)))
        }
        let headers = EventCodec.headers(eventID: eventID, type: type, traceparent: traceparent)
        return ProducerRecord(key: key, value: payload, headers: headers)
    }

    func markSent(through seq: Int64) async throws {
        let backlog = try await writer.write(durable: false) { db -> Int in
            try db.run("DELETE FROM outbox WHERE seq <= ?") { $0.bind(seq) }
            return try Outbox.backlog(db)
        }
        backlogGauge.record(backlog)
    }

    /// Rows not yet relayed.
    public func backlog() async throws -> Int {
        try await database.read { try Outbox.backlog($0) }
    }
}

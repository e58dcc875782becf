import MessageLog

/// What a consumer applied but has not committed to its group yet. Offsets are a bookmark,
/// not the record of what took effect (the inbox is): a consumer commits them at most every
/// `interval` (`EventConsumer.commitInterval` in the services), and at once when it runs out of records, instead of after every batch,
/// which cost a round trip to the log's writer thread per batch. A crash before the commit
/// delivers those events again, and the inbox drops them.
struct UncommittedProgress {
    /// The longest applied events wait for their offsets to be committed while more arrive
    /// (zero: after every batch).
    let interval: Duration

    init(interval: Duration) { self.interval = interval }

    /// The last applied record of each partition.
    private var last: [TopicPartition: LogRecord] = [:]
    /// When the oldest uncommitted batch was applied.
    private var since: ContinuousClock.Instant?

    /// One record per partition, the last applied: what `MessageConsumer.commit` needs.
    var records: [LogRecord] { Array(last.values) }

    mutating func add(_ batch: [LogRecord]) {
        for record in batch {
            let key = TopicPartition(topic: record.topic, partition: record.partition)
            if let known = last[key], known.offset > record.offset { continue }
            last[key] = record
        }
        if since == nil, !batch.isEmpty { since = .now }
    }

    /// Whether to commit now: the interval has passed, or the poll came back empty.
    func isDue(idle: Bool, now: ContinuousClock.Instant = .now) -> Bool {
        guard let since else { return false }
        return idle || now - since >= interval
    }

    /// How long the next poll may wait: `idle` with nothing to commit, else until the commit is due.
    func pollTimeout(idle: Duration, now: ContinuousClock.Instant = .now) -> Duration {
        guard let since else { return idle }
        return max(.milliseconds(1), min(idle, interval - (now - since)))
    }

    mutating func clear() {
        last.removeAll(keepingCapacity: true)
        since = nil
    }
}

import Logging
import MessageLog
import Metrics

/// The dead-letter topics, as one concept: a record whose handler kept failing goes to
/// `<topic>.dlq` with `dlq-*` headers saying why and whence; from there it can be listed and
/// replayed to its original topic. Naming, headers, send, list and replay live here alone.
public struct DeadLetterQueue: Sendable {
    /// The consumer group whose committed offsets are the replay progress, so each dead letter
    /// is replayed once.
    public static let replayGroup = "sagad-dlq-replay"
    /// What a dead-letter topic's name adds to its original topic's.
    public static let topicSuffix = ".dlq"

    private let log: any MessageLog & MessageLogAdmin
    private let logger: Logger

    public init(log: any MessageLog & MessageLogAdmin, logger: Logger) {
        self.log = log
        self.logger = logger
    }

    // MARK: Naming

    /// The dead-letter topic of `topic`.
    public static func topic(for topic: String) -> String { topic + topicSuffix }

    /// Whether `topic` is a dead-letter topic.
    public static func isDeadLetterTopic(_ topic: String) -> Bool { topic.hasSuffix(topicSuffix) }

    /// The original topic of dead-letter topic `topic`; nil when it is not one.
    public static func originalTopic(of topic: String) -> String? {
        isDeadLetterTopic(topic) ? String(topic.dropLast(topicSuffix.count)) : nil
    }

    /// The dead-letter topics the log holds.
    public var topics: [String] { log.topicNames.filter(Self.isDeadLetterTopic) }

    // MARK: Send

    /// Appends `record` to its dead-letter topic with `headers`, retrying until it is there;
    /// false when cancelled first (the record must then not be committed).
    public func send(_ record: LogRecord, headers: DeadLetterHeaders) async -> Bool {
        let topic = Self.topic(for: record.topic)
        let dead = ProducerRecord(key: record.key, value: record.value, headers: record.headers + headers.recordHeaders)
        // Keep trying: committing past a record that is in neither place would lose it.
        var delay = 100
        while true {
            do {
                try log.ensureTopic(topic, partitions: 1)
                _ = try await log.append([dead], to: topic)
                break
            } catch {
                logger.error("cannot write to the dead-letter topic; retrying", metadata: [
                    "topic": "\(topic)", "error": "\(error)",
                ])
                if Task.isCancelled { return false }
                try? await Task.sleep(for: .milliseconds(delay))
                delay = min(delay * 2, 5000)
            }
        }
        Counter(label: SagaMetrics.deadLetters, dimensions: [("topic", record.topic)]).increment()
        var metadata: Logger.Metadata = [
            "group": "\(headers.group)", "topic": "\(record.topic)", "offset": "\(record.offset)",
            "attempts": "\(headers.attempts)", "error": "\(headers.error)",
            "order": "\(String(decoding: record.key, as: UTF8.self))",
        ]
        if let trace = EventCodec.trace(of: record) { metadata["trace_id"] = "\(trace.traceID)" }
        logger.error("record dead-lettered", metadata: metadata)
        return true
    }

    // MARK: List and replay

    /// One dead letter as listed: the record and whether a replay already took it.
    public struct Entry: Sendable {
        public var record: LogRecord
        public var replayed: Bool
    }

    /// Up to `limit` dead letters, oldest first per dead-letter partition.
    /// - Throws: the log's error when a partition cannot be read.
    public func list(limit: Int) throws -> [Entry] {
        let replayed = Dictionary(
            log.groupLag().filter { $0.group == Self.replayGroup }.map { ("\($0.topic)-\($0.partition)", $0.committedOffset ?? 0) },
            uniquingKeysWith: max)
        var entries: [Entry] = []
        for stats in log.topicStatistics() where Self.isDeadLetterTopic(stats.topic) && entries.count < limit {
            let records = try log.read(
                topic: stats.topic, partition: stats.partition, from: stats.startOffset, maxRecords: limit - entries.count)
            let done = replayed["\(stats.topic)-\(stats.partition)"] ?? 0
            entries += records.map { Entry(record: $0, replayed: $0.offset < done) }
        }
        return entries
    }

    /// Appends every not-yet-replayed dead letter (of `topic`, or all) that was there when the
    /// replay began back to its original topic without the `dlq-` headers; returns how many
    /// went. Dead letters added meanwhile wait for the next replay: a record that still fails
    /// comes back while the replay runs, and replaying it again would never end.
    /// - Throws: `DeadLetterError.unknownTopic` when `topic` is no dead-letter topic; the
    ///   log's error when reading, appending or committing fails.
    public func replay(topic: String?) async throws -> Int {
        let topics = self.topics
        if let topic, !topics.contains(topic) { throw DeadLetterError.unknownTopic(topic) }
        let selected = topic.map { [$0] } ?? topics
        guard !selected.isEmpty else { return 0 }
        let ends = Dictionary(
            log.topicStatistics().filter { selected.contains($0.topic) }.map { ("\($0.topic)-\($0.partition)", $0.endOffset) },
            uniquingKeysWith: max)
        let consumer = try log.subscribe(group: Self.replayGroup, topics: selected)
        defer { consumer.close() }
        var replayed = 0
        while true {
            let records = try await consumer.poll(maxRecords: 500, timeout: .zero)
            guard !records.isEmpty else { return replayed }
            let due = records.filter { $0.offset < ends["\($0.topic)-\($0.partition)"] ?? 0 }
            for record in due {
                guard let original = DeadLetterHeaders.originalTopic(of: record) else { continue }
                let headers = DeadLetterHeaders.stripped(record.headers)
                _ = try await log.append([ProducerRecord(key: record.key, value: record.value, headers: headers)], to: original)
                replayed += 1
            }
            if !due.isEmpty { try await consumer.commit(due) }
        }
    }
}

/// Why a dead-letter request cannot be served.
public enum DeadLetterError: Error, Equatable, CustomStringConvertible {
    /// The named topic is not a dead-letter topic the log holds.
    case unknownTopic(String)

    public var description: String {
        switch self {
        case .unknownTopic(let topic): "unknown topic '\(topic)'"
        }
    }
}

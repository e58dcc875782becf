import MessageLog
import SagaMessaging

/// The dead-letter topics (`<topic>.dlq`): listing them, and replaying their records to the
/// original topics. Replay progress is the committed offset of the `sagad-dlq-replay` group,
/// so each dead letter is replayed once.
struct DeadLetters {
    static let replayGroup = "sagad-dlq-replay"
    let log: any MessageLog & MessageLogAdmin

    var topics: [String] { log.topicNames.filter { $0.hasSuffix(".dlq") } }

    func list(limit: Int) throws -> [RecordJSON] {
        let replayed = Dictionary(
            log.groupLag().filter { $0.group == Self.replayGroup }.map { ("\($0.topic)-\($0.partition)", $0.committedOffset ?? 0) },
            uniquingKeysWith: max)
        var rows: [RecordJSON] = []
        for stats in log.topicStatistics() where stats.topic.hasSuffix(".dlq") && rows.count < limit {
            let records = try log.read(
                topic: stats.topic, partition: stats.partition, from: stats.startOffset, maxRecords: limit - rows.count)
            let done = replayed["\(stats.topic)-\(stats.partition)"] ?? 0
            rows += records.map { RecordJSON($0, extraHeaders: ["dlq-replayed": $0.offset < done ? "true" : "false"]) }
        }
        return rows
    }

    /// Appends every not-yet-replayed dead letter (of `topic`, or all) that was there when the
    /// replay began back to its original topic without the `dlq-` headers; returns how many
    /// went. Dead letters added meanwhile wait for the next replay: a record that still fails
    /// comes back while the replay runs, and replaying it again would never end.
    func replay(topic: String?) async throws -> Int {
        let selected = topic.map { [$0] } ?? topics
        if let topic, !topics.contains(topic) { throw Problem(.notFound, "unknown topic '\(topic)'") }
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
                guard let original = record.header("dlq-original-topic") else { continue }
                let headers = record.headers.filter { !$0.name.hasPrefix("dlq-") }
                _ = try await log.append([ProducerRecord(key: record.key, value: record.value, headers: headers)], to: original)
                replayed += 1
            }
            if !due.isEmpty { try consumer.commit(due) }
        }
    }
}

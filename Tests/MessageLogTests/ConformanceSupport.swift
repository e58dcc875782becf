import MessageLog

/// A record keyed `key` whose value is `value`, both as UTF-8.
func record(_ key: String, _ value: String) -> ProducerRecord {
    ProducerRecord(key: key, value: Array(value.utf8))
}

func text(_ record: LogRecord) -> String { String(decoding: record.value, as: UTF8.self) }

func keyText(_ record: LogRecord) -> String { String(decoding: record.key, as: UTF8.self) }

/// Polls `consumer` until it returned `count` records or `timeout` passed (a backend may take
/// a while to assign partitions), and returns what arrived.
func drain(_ consumer: any MessageConsumer, count: Int, timeout: Duration = .seconds(10)) async throws -> [LogRecord] {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    var records: [LogRecord] = []
    while records.count < count, clock.now < deadline {
        records += try await consumer.poll(maxRecords: count - records.count, timeout: .milliseconds(200))
    }
    return records
}

/// Every record of every partition of `topic`, read through the admin API, per partition.
func readTopic(_ log: any MessageLogAdmin, _ topic: String) throws -> [Int: [LogRecord]] {
    var partitions: [Int: [LogRecord]] = [:]
    for stats in log.topicStatistics() where stats.topic == topic {
        var records: [LogRecord] = []
        var next = stats.startOffset
        while next < stats.endOffset {
            let batch = try log.read(topic: topic, partition: stats.partition, from: next, maxRecords: 500)
            guard let last = batch.last else { break }
            records += batch
            next = last.offset + 1
        }
        partitions[stats.partition] = records
    }
    return partitions
}

/// The failure kind of `error`, when a log backend threw it.
func failureKind(_ error: any Error) -> MessageLogFailureKind? {
    (error as? any MessageLogError)?.kind
}

import CRdKafka
import Foundation
import MessageLog
import Synchronization

/// A member of a Kafka consumer group. Its librdkafka consumer is driven only from a thread of
/// its own (`ClientThread`): polls, commits, pause/resume and close queue there in call order,
/// so the cooperative pool never blocks in librdkafka. Offsets are committed only by `commit`.
public final class KafkaConsumer: MessageConsumer {
    private let client: RdKafkaClient
    private let configuration: KafkaConfiguration
    private let thread: ClientThread
    private let closed = Atomic<Bool>(false)
    private let onClose: @Sendable () -> Void

    init(
        group: String, clusterTopics: [String], configuration: KafkaConfiguration,
        onClose: @escaping @Sendable () -> Void
    ) throws {
        let tracker = RebalanceTracker()
        client = try RdKafkaClient.make(
            RD_KAFKA_CONSUMER, properties: try configuration.consumerProperties(group: group),
            requestTimeoutMillis: configuration.requestTimeoutMillis, callbackTarget: tracker
        ) { conf in
            rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(tracker).toOpaque())
            rd_kafka_conf_set_rebalance_cb(conf, RebalanceTracker.callback)
        }
        self.configuration = configuration
        self.onClose = onClose
        // Group events (rebalances, errors) are served by the consumer poll on our thread.
        rd_kafka_poll_set_consumer(client.handle)
        let list = makePartitionList(clusterTopics.map { ($0, Int(RD_KAFKA_PARTITION_UA), Int64(RD_KAFKA_OFFSET_INVALID)) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_subscribe(client.handle, list)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaLogError.client("subscribe of \(group)", code) }
        thread = ClientThread(name: "kafka-consumer")
    }

    public func poll(maxRecords: Int, timeout: Duration) async throws -> [LogRecord] {
        guard maxRecords > 0 else { return [] }
        let (client, configuration) = (client, configuration)
        let deadline = ContinuousClock.now + timeout
        return try await thread.run {
            var records: [LogRecord] = []
            while records.count < maxRecords {
                let left = ContinuousClock.now.duration(to: deadline)
                let waitMillis = records.isEmpty ? Int32(min(max(left / .milliseconds(1), 0), 100)) : 0
                guard let message = rd_kafka_consumer_poll(client.handle, waitMillis) else {
                    if !records.isEmpty || left <= .zero { break }
                    continue
                }
                defer { rd_kafka_message_destroy(message) }
                let code = message.pointee.err
                guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    // Broker hiccups are retried by librdkafka; only a fatal error ends the member.
                    if rd_kafka_fatal_error(client.handle, nil, 0) != RD_KAFKA_RESP_ERR_NO_ERROR {
                        throw KafkaLogError.client("consume", code)
                    }
                    continue
                }
                if let record = logRecord(message, configuration: configuration) { records.append(record) }
            }
            return records
        }
    }

    /// Commits, per partition, the offset after the last of `records`, and returns once the
    /// group coordinator stored it.
    public func commit(_ records: [LogRecord]) async throws {
        var next: [TopicPartition: Int64] = [:]
        for record in records {
            let partition = TopicPartition(topic: configuration.clusterName(record.topic), partition: record.partition)
            next[partition] = max(next[partition] ?? 0, record.offset + 1)
        }
        guard !next.isEmpty else { return }
        let client = client
        let entries = next.map { (topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) }
        try await thread.run {
            let list = makePartitionList(entries)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let code = rd_kafka_commit(client.handle, list, 0)
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaLogError.client("offset commit", code) }
            if let failed = partitionEntries(list).first(where: { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }) {
                throw KafkaLogError.client("offset commit of \(failed.topic)-\(failed.partition)", failed.error)
            }
        }
    }

    /// Stops fetching from this member's partitions (they stay assigned to it) until `resume`;
    /// a rebalance in between hands out partitions unpaused.
    public func pause() async throws { try await changeFlow(pause: true) }

    /// Fetches again from the partitions `pause` stopped.
    public func resume() async throws { try await changeFlow(pause: false) }

    private func changeFlow(pause: Bool) async throws {
        let client = client
        try await thread.run {
            var assignment: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            let code = rd_kafka_assignment(client.handle, &assignment)
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let assignment else { throw KafkaLogError.client("assignment", code) }
            defer { rd_kafka_topic_partition_list_destroy(assignment) }
            let result = pause ? rd_kafka_pause_partitions(client.handle, assignment) : rd_kafka_resume_partitions(client.handle, assignment)
            guard result == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaLogError.client(pause ? "pause" : "resume", result) }
        }
    }

    /// Leaves the group (its partitions go to the other members) and waits until it has.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let client = client
        _ = try? thread.runAndWait { rd_kafka_consumer_close(client.handle) }
        thread.finish()
        onClose()
    }

    deinit { close() }
}

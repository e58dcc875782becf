import CRdKafka
import Foundation
import MessageLog
import Synchronization

/// The log's idempotent, `acks=all` producer. Records go to the partition `KeyPartitioner`
/// chooses (the embedded log's), named explicitly; a thread of its own serves the delivery reports.
final class KafkaProducer: Sendable {
    let client: RdKafkaClient
    private let running = Atomic<Bool>(true)
    private let pollThreadDone = DispatchSemaphore(value: 0)

    init(configuration: KafkaConfiguration) throws {
        client = try RdKafkaClient.make(
            RD_KAFKA_PRODUCER, properties: try configuration.producerProperties(),
            requestTimeoutMillis: configuration.requestTimeoutMillis
        ) { conf in rd_kafka_conf_set_dr_msg_cb(conf, DeliveryTicket.reportDelivery) }
        let thread = Thread { [self] in
            Thread.current.name = "kafka-poll"
            while running.load(ordering: .acquiring) { rd_kafka_poll(client.handle, 50) }
            pollThreadDone.signal()
        }
        thread.start()
    }

    /// Sends `records` to `clusterTopic` (`partitions` partitions) and returns their positions,
    /// named by `logTopic`, once the broker acknowledged every one.
    func send(_ records: [ProducerRecord], clusterTopic: String, logTopic: String, partitions: Int) async throws -> [RecordPosition] {
        guard !records.isEmpty else { return [] }
        guard running.load(ordering: .acquiring) else { throw KafkaLogError.closed }
        return try await withCheckedThrowingContinuation { continuation in
            let append = AppendInFlight(topic: logTopic, count: records.count, continuation: continuation)
            for (index, record) in records.enumerated() {
                let partition = Self.partition(for: record.key, partitions: partitions)
                let ticket = Unmanaged.passRetained(DeliveryTicket(append: append, index: index)).toOpaque()
                let code = produce(record, topic: clusterTopic, partition: partition, opaque: ticket)
                if code != RD_KAFKA_RESP_ERR_NO_ERROR {
                    Unmanaged<DeliveryTicket>.fromOpaque(ticket).release()
                    append.settle(index, partition: partition, offset: -1, failure: KafkaLogError.client("produce to \(logTopic)", code))
                }
            }
        }
    }

    /// The partition of `key`: the embedded log's choice (`KeyPartitioner`), so a key has the
    /// same partition number on both backends, rather than librdkafka's murmur2 or crc32.
    static func partition(for key: [UInt8], partitions: Int) -> Int {
        KeyPartitioner.partition(for: key, partitions: partitions)
    }

    private func produce(_ record: ProducerRecord, topic: String, partition: Int, opaque: UnsafeMutableRawPointer) -> rd_kafka_resp_err_t {
        var headers: OpaquePointer?
        if !record.headers.isEmpty {
            headers = rd_kafka_headers_new(record.headers.count)
            for header in record.headers {
                _ = header.value.withUnsafeBytes { rd_kafka_header_add(headers, header.name, -1, $0.baseAddress, $0.count) }
            }
        }
        let code = record.key.withUnsafeBytes { key in
            record.value.withUnsafeBytes { value in
                sagad_rdkafka_produce(
                    client.handle, topic, Int32(partition), key.baseAddress, key.count, value.baseAddress, value.count,
                    headers, record.timestampMillis ?? 0, opaque)
            }
        }
        // On success librdkafka owns the headers; on failure they are still ours.
        if code != RD_KAFKA_RESP_ERR_NO_ERROR, let headers { rd_kafka_headers_destroy(headers) }
        return code
    }

    /// Waits up to `timeoutMillis` for queued records to be acknowledged, fails what is left
    /// (their appends throw), then stops the poll thread. With `flush: false` (a simulated
    /// crash) nothing is waited for.
    func shutDown(flush: Bool, timeoutMillis: Int32) {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        pollThreadDone.wait()
        if flush { _ = rd_kafka_flush(client.handle, timeoutMillis) }
        _ = rd_kafka_purge(client.handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        // Serves the purged records' reports, so every waiting append is resumed.
        _ = rd_kafka_flush(client.handle, 1000)
    }
}

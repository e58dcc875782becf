import CRdKafka
import Foundation
import MessageLog

/// Reads a range of one partition outside any consumer group (record peeks, dead-letter
/// listings): a consumer assigned the partition at an offset. librdkafka wants a group id even
/// for that; the reader's never joins or commits, and its `__` name keeps it out of `groupLag`.
final class PartitionReader {
    private let client: RdKafkaClient
    private let configuration: KafkaConfiguration

    init(configuration: KafkaConfiguration) throws {
        let properties = try configuration.consumerProperties(group: configuration.clusterName("__partition-reader"))
        client = try RdKafkaClient.make(RD_KAFKA_CONSUMER, properties: properties, requestTimeoutMillis: configuration.requestTimeoutMillis)
        self.configuration = configuration
    }

    /// Records `from..<end` of `clusterTopic`-`partition`, at most `maxRecords`, in offset order.
    func read(clusterTopic: String, partition: Int, from offset: Int64, end: Int64, maxRecords: Int) throws -> [LogRecord] {
        let wanted = Int(min(Int64(maxRecords), max(0, end - offset)))
        guard wanted > 0 else { return [] }
        let list = makePartitionList([(clusterTopic, partition, offset)])
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_assign(client.handle, list)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaLogError.client("assign \(clusterTopic)-\(partition)", code) }
        defer { _ = rd_kafka_assign(client.handle, nil) }
        var records: [LogRecord] = []
        let deadline = ContinuousClock.now + .milliseconds(Int64(configuration.requestTimeoutMillis))
        while records.count < wanted {
            guard ContinuousClock.now < deadline else { throw KafkaLogError.timedOut(operation: "reading \(clusterTopic)-\(partition)") }
            guard let message = rd_kafka_consumer_poll(client.handle, 100) else { continue }
            defer { rd_kafka_message_destroy(message) }
            let code = message.pointee.err
            if code == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE || code == RD_KAFKA_RESP_ERR__FATAL {
                throw KafkaLogError.client("reading \(clusterTopic)-\(partition)", code)
            }
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR, message.pointee.offset >= offset,
                let record = logRecord(message, configuration: configuration)
            else { continue }
            records.append(record)
            if message.pointee.offset + 1 >= end { break }
        }
        return records
    }
}

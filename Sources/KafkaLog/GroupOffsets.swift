import CRdKafka
import MessageLog

/// A consumer group as the broker describes it.
struct GroupDescription: Sendable, Equatable {
    var name: String
    var state: String
    var members: Int
}

extension RdKafkaClient {
    /// The groups the brokers know (all, or just `group`), with their state and live members.
    func describeGroups(_ group: String? = nil) throws -> [GroupDescription] {
        var list: UnsafePointer<rd_kafka_group_list>?
        let code = rd_kafka_list_groups(handle, group, &list, requestTimeoutMillis)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { throw KafkaLogError.client("group listing", code) }
        defer { rd_kafka_group_list_destroy(list) }
        return (0..<Int(list.pointee.group_cnt)).compactMap { index in
            let info = list.pointee.groups[index]
            guard info.err == RD_KAFKA_RESP_ERR_NO_ERROR || info.err == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND else { return nil }
            return GroupDescription(
                name: String(cString: info.group), state: info.state.map { String(cString: $0) } ?? "",
                members: Int(info.member_cnt))
        }
    }
}

/// A group's committed offsets, read and moved from outside the group: a short-lived consumer
/// with the group's id that never joins it (Kafka accepts such commits only while the group is
/// empty, which the callers check first).
struct GroupOffsets {
    let group: String
    let configuration: KafkaConfiguration

    /// The committed offset of each of `partitions` that has one.
    func committed(_ partitions: [TopicPartition]) throws -> [TopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        let client = try outsider()
        let list = makePartitionList(partitions.map { ($0.topic, $0.partition, Int64(RD_KAFKA_OFFSET_INVALID)) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_committed(client.handle, list, configuration.requestTimeoutMillis)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw code == RD_KAFKA_RESP_ERR__TIMED_OUT
                ? KafkaLogError.timedOut(operation: "committed offsets of \(group)") : KafkaLogError.client("committed offsets of \(group)", code)
        }
        var offsets: [TopicPartition: Int64] = [:]
        for entry in partitionEntries(list) where entry.error == RD_KAFKA_RESP_ERR_NO_ERROR && entry.offset >= 0 {
            offsets[TopicPartition(topic: entry.topic, partition: entry.partition)] = entry.offset
        }
        return offsets
    }

    /// Stores `offsets` as the group's committed offsets.
    func store(_ offsets: [TopicPartition: Int64]) throws {
        guard !offsets.isEmpty else { return }
        let client = try outsider()
        let list = makePartitionList(offsets.map { ($0.key.topic, $0.key.partition, $0.value) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_commit(client.handle, list, 0)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaLogError.client("offset commit for \(group)", code) }
        if let failed = partitionEntries(list).first(where: { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }) {
            throw KafkaLogError.client("offset commit for \(group) on \(failed.topic)-\(failed.partition)", failed.error)
        }
    }

    private func outsider() throws -> RdKafkaClient {
        try RdKafkaClient.make(
            RD_KAFKA_CONSUMER, properties: try configuration.consumerProperties(group: group),
            requestTimeoutMillis: configuration.requestTimeoutMillis)
    }
}

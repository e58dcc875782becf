import CRdKafka
import MessageLog

/// Keeps a member's place on the partitions it keeps through a rebalance. Kafka's (eager)
/// rebalance takes every partition away and hands them out again; librdkafka would restart
/// each at the group's committed offset, delivering again to the same member what it already
/// read but has not committed yet. A partition this member owned in the generation just ended
/// was read by no one else since, so it goes on from where the member stood. One whose
/// ownership was lost (the member timed out of the group) restarts at the commit.
/// Called by librdkafka on the consumer's own thread only (inside its poll and close).
final class RebalanceTracker {
    private var kept: [TopicPartition: Int64] = [:]

    /// The `rebalance_cb` librdkafka calls with the tracker as its opaque pointer.
    static let callback: @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
    ) -> Void = { handle, code, partitions, opaque in
        guard let handle, let partitions, let opaque else { return }
        let tracker = Unmanaged<RebalanceTracker>.fromOpaque(opaque).takeUnretainedValue()
        if code == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            tracker.assign(partitions, handle: handle)
        } else {
            tracker.revoke(partitions, handle: handle)
        }
    }

    private func assign(_ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, handle: OpaquePointer) {
        for index in 0..<Int(partitions.pointee.cnt) {
            let element = partitions.pointee.elems[index]
            let key = TopicPartition(topic: String(cString: element.topic), partition: Int(element.partition))
            if let offset = kept[key] { partitions.pointee.elems[index].offset = offset }
        }
        kept = [:]
        _ = rd_kafka_assign(handle, partitions)
    }

    private func revoke(_ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, handle: OpaquePointer) {
        kept = [:]
        if rd_kafka_assignment_lost(handle) == 0, rd_kafka_position(handle, partitions) == RD_KAFKA_RESP_ERR_NO_ERROR {
            for entry in partitionEntries(partitions) where entry.error == RD_KAFKA_RESP_ERR_NO_ERROR && entry.offset >= 0 {
                kept[TopicPartition(topic: entry.topic, partition: entry.partition)] = entry.offset
            }
        }
        _ = rd_kafka_assign(handle, nil)
    }
}

import Logging
import MessageLog
import Synchronization

/// The partitions consumer groups are stuck on: a member that cannot read on from its
/// position (a damaged record, records deleted before the group consumed them) reports it
/// here and leaves the partition where it is, and the first successful read clears it. The
/// daemon shows these in `/healthz`; each is logged once, as an error, when it begins.
final class StalledReads: Sendable {
    private struct Key: Hashable {
        var group: String
        var partition: TopicPartition
    }

    private let logger: Logger
    private let stalls = Mutex<[Key: StalledRead]>([:])

    init(logger: Logger) {
        self.logger = logger
    }

    var all: [StalledRead] {
        stalls.withLock { Array($0.values) }.sorted { ($0.group, $0.topic, $0.partition) < ($1.group, $1.topic, $1.partition) }
    }

    func report(group: String, partition: TopicPartition, offset: Int64, reason: String) {
        let stall = StalledRead(group: group, topic: partition.topic, partition: partition.partition, offset: offset, reason: reason)
        let isNew = stalls.withLock { stalls in
            defer { stalls[Key(group: group, partition: partition)] = stall }
            return stalls[Key(group: group, partition: partition)] != stall
        }
        guard isNew else { return }
        logger.error("consumer group cannot read on; it stays at this offset until an operator moves it", metadata: [
            "group": "\(group)", "partition": "\(partition)", "offset": "\(offset)", "reason": "\(reason)",
        ])
    }

    func clear(group: String, partition: TopicPartition) {
        let cleared = stalls.withLock { stalls in
            stalls.isEmpty ? nil : stalls.removeValue(forKey: Key(group: group, partition: partition))
        }
        guard let cleared else { return }
        logger.notice("consumer group reads on", metadata: [
            "group": "\(group)", "partition": "\(partition)", "offset": "\(cleared.offset)",
        ])
    }
}

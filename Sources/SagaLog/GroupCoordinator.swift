import Foundation
import Logging
import Synchronization

/// The log's consumer groups: their committed offsets under `groups/`, joining and leaving
/// (which rebalances partitions), where a new owner starts reading, lag and offset resets.
/// Apart from `SagaLog` so the facade keeps topics and appends and forwards group calls here.
final class GroupCoordinator: Sendable {
    private let directory: String
    private let configuration: LogConfiguration
    private let logger: Logger
    private let signal: KeyedChangeSignal
    private let state: Mutex<State>

    private struct State {
        var groups: [String: ConsumerGroup] = [:]
        var closed = false
    }

    /// Opens every group's offsets under `<logDirectory>/groups`, clamped to the recovered `topics`.
    init(
        logDirectory: String, topics: [String: Topic], configuration: LogConfiguration, logger: Logger,
        signal: KeyedChangeSignal
    ) throws {
        self.directory = logDirectory + "/groups"
        self.configuration = configuration
        self.logger = logger
        self.signal = signal
        var groups: [String: ConsumerGroup] = [:]
        var lost: [LostRecords] = []
        for file in try FileSystem.list(directory) where file.hasSuffix(".offsets") {
            let name = String(file.dropLast(".offsets".count))
            let store = try OffsetStore(
                group: name, path: directory + "/" + file, logger: logger)
            lost += try Self.clampCommitted(store, topics: topics, logger: logger)
            groups[name] = ConsumerGroup(name: name, offsets: store)
        }
        self.state = Mutex(State(groups: groups))
        self.lostAtOpen = lost
    }

    /// What `clampCommitted` found when the log was opened.
    let lostAtOpen: [LostRecords]

    /// A committed offset past the recovered end means records are gone (a segment deleted or
    /// cut, an unsynced tail lost): it is pulled back to the end, so the group reads whatever is
    /// appended there next, and the loss is returned to be kept and reported.
    private static func clampCommitted(_ store: OffsetStore, topics: [String: Topic], logger: Logger) throws -> [LostRecords] {
        var offsets = store.offsets
        var changed = false
        var lost: [LostRecords] = []
        for (key, offset) in offsets {
            guard let partitions = topics[key.topic]?.partitions, partitions.indices.contains(key.partition) else {
                continue
            }
            let end = partitions[key.partition].endOffset
            if offset > end {
                logger.critical("records are missing from the log: a group had consumed past its end", metadata: [
                    "group": "\(store.group)", "partition": "\(key)", "consumed_up_to": "\(offset)", "end": "\(end)",
                ])
                lost.append(LostRecords(
                    topic: key.topic, partition: key.partition, group: store.group, from: end, upTo: offset,
                    foundAtMillis: Int64(Date().timeIntervalSince1970 * 1000)))
                offsets[key] = end
                changed = true
            }
        }
        if changed { try store.replaceAll(offsets) }
        return lost
    }

    /// Refuses new groups from now on (the log is closing).
    func close() {
        state.withLock { $0.closed = true }
    }

    // MARK: Membership

    /// Adds a member (named `memberID`, or a fresh id) to `name`, creating the group on first
    /// use, and deals the group's partitions out again.
    func join(
        group name: String, topics: [String], memberID: String?, partitionCounts: [String: Int]
    ) throws -> (group: ConsumerGroup, member: String) {
        let group = try consumerGroup(name)
        // The system generator (getrandom) rather than UUID(), which needs a descriptor for /dev/urandom.
        let member = memberID ?? "\(name)-\(String(UInt32.random(in: .min ... .max), radix: 16))"
        group.join(member: member, topics: topics, partitionCounts: partitionCounts)
        signal.notify([SagaLog.membershipKey])
        return (group, member)
    }

    private func consumerGroup(_ name: String) throws -> ConsumerGroup {
        try state.withLock { (state) -> ConsumerGroup in
            if state.closed { throw SagaLogError.logClosed }
            if let group = state.groups[name] { return group }
            let store = try OffsetStore(
                group: name, path: directory + "/" + name + ".offsets", logger: logger)
            try FileSystem.syncDirectory(directory)
            let group = ConsumerGroup(name: name, offsets: store)
            state.groups[name] = group
            return group
        }
    }

    func leave(group: ConsumerGroup, member: String, partitionCounts: [String: Int]) {
        group.leave(member: member, partitionCounts: partitionCounts)
        signal.notify([SagaLog.membershipKey])
    }

    /// Where a member newly owning `key` starts: the committed offset (at most the end; one
    /// below the start stays, so the member reports the deleted records instead of skipping
    /// them), or the group's configured start when nothing was committed.
    func startingOffset(for key: TopicPartition, group: ConsumerGroup, partition: Partition) -> Int64 {
        let start = partition.startOffset
        let end = partition.endOffset
        guard let committed = group.offsets.offset(for: key) else {
            return configuration.newGroupStart == .earliest ? start : end
        }
        return min(committed, end)
    }

    // MARK: Committed offsets

    /// Moves a group's committed offsets (all its topics, or just `onlyTopic`); `lookup` finds
    /// a topic by name. The group must have no live members.
    func reset(
        _ name: String, to target: OffsetResetTarget, topic onlyTopic: String?, lookup: (String) throws -> Topic
    ) throws {
        guard let group = state.withLock({ $0.groups[name] }) else { throw SagaLogError.unknownGroup(name) }
        guard group.memberCount == 0 else { throw SagaLogError.groupHasMembers(group: name, members: group.memberCount) }
        var offsets = group.offsets.offsets
        let topics = onlyTopic.map { [$0] } ?? Array(Set(offsets.keys.map(\.topic)))
        for topicName in topics {
            for partition in try lookup(topicName).partitions {
                let key = partition.topicPartition
                switch target {
                case .earliest: offsets[key] = partition.startOffset
                case .latest: offsets[key] = partition.endOffset
                case .offset(let value):
                    guard value >= partition.startOffset, value <= partition.endOffset else {
                        throw SagaLogError.offsetOutOfRange(
                            topic: topicName, partition: partition.id, offset: value,
                            start: partition.startOffset, end: partition.endOffset)
                    }
                    offsets[key] = value
                }
            }
        }
        try group.offsets.replaceAll(offsets)
    }

    /// Moves `name`'s committed offset on `partition` forward to `offset` (at most the end);
    /// returns where it was (the partition's start when it had committed none). The group must
    /// have no live members.
    func skip(_ name: String, partition: Partition, to offset: Int64) throws -> Int64 {
        guard let group = state.withLock({ $0.groups[name] }) else { throw SagaLogError.unknownGroup(name) }
        guard group.memberCount == 0 else { throw SagaLogError.groupHasMembers(group: name, members: group.memberCount) }
        let key = partition.topicPartition
        let committed = group.offsets.offset(for: key) ?? partition.startOffset
        guard offset > committed, offset <= partition.endOffset else {
            throw SagaLogError.offsetOutOfRange(
                topic: key.topic, partition: key.partition, offset: offset, start: committed + 1, end: partition.endOffset)
        }
        var offsets = group.offsets.offsets
        offsets[key] = offset
        try group.offsets.replaceAll(offsets)
        return committed
    }

    /// For each partition some group reads (it committed offsets in the topic, or a live member
    /// subscribes to it), the lowest offset such a group still needs: its committed offset, or
    /// the partition's start where it committed none. Retention deletes nothing from there on.
    /// Only synced commits count (unless nothing is ever synced, under `never`): a power loss
    /// may take back a newer one, and the group then needs the records before it again.
    func retentionFloors(in topics: [String: Topic]) -> [TopicPartition: Retention.Floor] {
        let groups = state.withLock { $0.groups.values.sorted { $0.name < $1.name } }
        var floors: [TopicPartition: Retention.Floor] = [:]
        for group in groups {
            let committed = configuration.durability == .never ? group.offsets.offsets : group.offsets.syncedOffsets
            let read = Set(committed.keys.map(\.topic)).union(group.subscribedTopics)
            for topicName in read {
                for partition in topics[topicName]?.partitions ?? [] {
                    let key = partition.topicPartition
                    let needed = committed[key] ?? partition.startOffset
                    if needed < floors[key]?.offset ?? .max {
                        floors[key] = Retention.Floor(offset: needed, group: group.name)
                    }
                }
            }
        }
        return floors
    }

    /// The offsets of `name` a power loss cannot take back (nil for an unknown group).
    func syncedOffsets(of name: String) -> [TopicPartition: Int64]? {
        state.withLock { $0.groups[name] }?.offsets.syncedOffsets
    }

    /// Committed offset and lag for every group and partition of the topics it committed to.
    func lag(in topics: [String: Topic]) -> [GroupPartitionLag] {
        let groups = state.withLock { $0.groups.values.sorted { $0.name < $1.name } }
        var rows: [GroupPartitionLag] = []
        for group in groups {
            let committed = group.offsets.offsets
            for topicName in Set(committed.keys.map(\.topic)).sorted() {
                guard let topic = topics[topicName] else { continue }
                for partition in topic.partitions {
                    let offset = committed[partition.topicPartition]
                    let end = partition.endOffset
                    let from = max(offset ?? partition.startOffset, partition.startOffset)
                    rows.append(GroupPartitionLag(
                        group: group.name, topic: topicName, partition: partition.id, committedOffset: offset,
                        endOffset: end, lag: max(0, end - from), members: group.memberCount))
                }
            }
        }
        return rows
    }
}

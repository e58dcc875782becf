import Foundation
import MessageLog

/// The admin protocol on Kafka. Topics, statistics, reads, lag, group resets and skips map to
/// Kafka calls. What concerns the embedded log's own files has no meaning here and throws
/// `notAvailableOnKafka` (verify, lost-records acknowledgement, retention, which the brokers
/// run by `retention.ms`/`retention.bytes`) or reports nothing (stalls, lost records, recovery:
/// brokers repair their own logs and the client never sees that). These calls block the calling
/// thread for broker round trips. The protocol's non-throwing ones (`topicNames`,
/// `topicStatistics`, `groupLag`) report what they reached: nothing while the cluster is away.
extension KafkaLog {
    public var topicNames: [String] {
        ((try? namespaceTopics()) ?? [:]).keys.compactMap(configuration.logName).sorted()
    }

    /// Start and end offsets from the brokers' watermarks. Bytes, segments, writes and syncs are
    /// the brokers' business, not visible to a client: they read 0.
    public func topicStatistics() -> [PartitionStatistics] {
        let topics = (try? namespaceTopics()) ?? [:]
        var statistics: [PartitionStatistics] = []
        for (clusterTopic, count) in topics.sorted(by: { $0.key < $1.key }) {
            guard let topic = configuration.logName(clusterTopic) else { continue }
            for partition in 0..<count {
                guard let marks = try? producer.client.watermarks(topic: clusterTopic, partition: partition) else { continue }
                statistics.append(PartitionStatistics(
                    topic: topic, partition: partition, startOffset: marks.low, endOffset: marks.high, bytes: 0,
                    segmentCount: 0, queuedBytes: 0, writes: 0, syncs: 0, failed: false))
            }
        }
        return statistics
    }

    public func read(topic: String, partition: Int, from offset: Int64, maxRecords: Int) throws -> [LogRecord] {
        let clusterTopic = try existingPartition(topic, partition)
        let marks = try producer.client.watermarks(topic: clusterTopic, partition: partition)
        return try reader.withLock { reader in
            if reader == nil { reader = try PartitionReader(configuration: configuration) }
            return try reader!.read(
                clusterTopic: clusterTopic, partition: partition, from: max(offset, marks.low), end: marks.high,
                maxRecords: maxRecords)
        }
    }

    /// Every group the brokers list in the namespace (and every group with a live member here),
    /// on each partition of the topics it committed offsets in or reads.
    public func groupLag() -> [GroupPartitionLag] {
        guard let topics = try? namespaceTopics() else { return [] }
        let described = (try? producer.client.describeGroups()) ?? []
        let local = localMembers
        let groups = Set(described.map(\.name)).union(local.keys).filter { configuration.logName($0) != nil }
        var rows: [GroupPartitionLag] = []
        for clusterGroup in groups.sorted() {
            let partitions = topics.flatMap { topic, count in (0..<count).map { TopicPartition(topic: topic, partition: $0) } }
            guard let committed = try? GroupOffsets(group: clusterGroup, configuration: configuration).committed(partitions)
            else { continue }
            let members = (try? producer.client.describeGroups(clusterGroup).first?.members) ?? 0
            let read = Set(committed.keys.map(\.topic)).union(local[clusterGroup] ?? [])
            for partition in partitions where read.contains(partition.topic) {
                guard let marks = try? producer.client.watermarks(topic: partition.topic, partition: partition.partition),
                    let group = configuration.logName(clusterGroup), let topic = configuration.logName(partition.topic)
                else { continue }
                let offset = committed[partition]
                rows.append(GroupPartitionLag(
                    group: group, topic: topic, partition: partition.partition, committedOffset: offset,
                    endOffset: marks.high, lag: max(0, marks.high - max(offset ?? marks.low, marks.low)), members: members))
            }
        }
        return rows.sorted { ($0.group, $0.topic, $0.partition) < ($1.group, $1.topic, $1.partition) }
    }

    public func resetGroup(_ group: String, to target: OffsetResetTarget, topic: String?) throws {
        let (clusterGroup, offsets) = try emptyGroup(group)
        let partitions: [TopicPartition]
        if let topic {
            let clusterTopic = try existingPartition(topic, nil)
            let count = try partitionCount(of: clusterTopic, refresh: false) ?? 0
            partitions = (0..<count).map { TopicPartition(topic: clusterTopic, partition: $0) }
        } else {
            partitions = Set(offsets.keys.map(\.topic)).sorted().flatMap { topic in
                (0..<((try? partitionCount(of: topic, refresh: false)) ?? 0)).map { TopicPartition(topic: topic, partition: $0) }
            }
        }
        var moved: [TopicPartition: Int64] = [:]
        for partition in partitions {
            let marks = try producer.client.watermarks(topic: partition.topic, partition: partition.partition)
            switch target {
            case .earliest: moved[partition] = marks.low
            case .latest: moved[partition] = marks.high
            case .offset(let offset):
                guard offset >= marks.low, offset <= marks.high else {
                    throw KafkaLogError.offsetOutOfRange(
                        topic: configuration.logName(partition.topic) ?? partition.topic, partition: partition.partition,
                        offset: offset, start: marks.low, end: marks.high)
                }
                moved[partition] = offset
            }
        }
        try GroupOffsets(group: clusterGroup, configuration: configuration).store(moved)
    }

    public func skip(group: String, topic: String, partition: Int, to offset: Int64) throws -> SkippedRecords {
        let clusterTopic = try existingPartition(topic, partition)
        let (clusterGroup, offsets) = try emptyGroup(group)
        let marks = try producer.client.watermarks(topic: clusterTopic, partition: partition)
        let key = TopicPartition(topic: clusterTopic, partition: partition)
        let committed = offsets[key] ?? marks.low
        guard offset > committed, offset <= marks.high else {
            throw KafkaLogError.offsetOutOfRange(topic: topic, partition: partition, offset: offset, start: committed + 1, end: marks.high)
        }
        try GroupOffsets(group: clusterGroup, configuration: configuration).store([key: offset])
        return SkippedRecords(
            group: group, topic: topic, partition: partition, fromOffset: committed, toOffset: offset,
            skippedAtMillis: Int64(Date().timeIntervalSince1970 * 1000))
    }

    // MARK: What Kafka's brokers do themselves

    public func enforceRetention(nowSeconds: Double?) throws -> RetentionOutcome {
        throw KafkaLogError.notAvailableOnKafka(
            operation: "retention", reason: "the brokers apply each topic's retention.ms and retention.bytes themselves")
    }

    /// Kafka brokers never hold a group at a damaged record: the client reports no stalls.
    public var stalledReads: [StalledRead] { [] }

    /// Lost records are found by the embedded log's startup checks of its files; a client of
    /// Kafka has no such files, so it reports none.
    public var lostRecords: [LostRecords] { [] }

    public func acknowledgeLostRecords() throws {
        throw KafkaLogError.notAvailableOnKafka(
            operation: "acknowledging lost records", reason: "there is no lost-records journal; the brokers keep their own logs")
    }

    /// Nothing is checked or repaired by a Kafka client when it connects.
    public var recoveryReport: LogRecoveryReport {
        LogRecoveryReport(checkedSegments: 0, scannedRecords: 0, truncatedBytes: 0, damage: [])
    }

    public func verify(topic: String?, partition: Int?) throws -> ScrubReport {
        throw KafkaLogError.notAvailableOnKafka(
            operation: "verify", reason: "segment files live on the brokers; check them there (kafka-dump-log)")
    }

    // MARK: Helpers

    /// The cluster name of `topic`, after checking it (and `partition`, when given) exists.
    private func existingPartition(_ topic: String, _ partition: Int?) throws -> String {
        let clusterTopic = configuration.clusterName(topic)
        guard let count = try partitionCount(of: clusterTopic, refresh: false) ?? partitionCount(of: clusterTopic, refresh: true)
        else { throw KafkaLogError.unknownTopic(topic) }
        if let partition, !(0..<count).contains(partition) { throw KafkaLogError.unknownPartition(topic: topic, partition: partition) }
        return clusterTopic
    }

    /// The cluster name and committed offsets of `group`, after checking it exists (it has
    /// committed offsets or members) and has no live members.
    private func emptyGroup(_ group: String) throws -> (String, [TopicPartition: Int64]) {
        let clusterGroup = configuration.clusterName(group)
        let members = try producer.client.describeGroups(clusterGroup).first?.members ?? 0
        if members > 0 { throw KafkaLogError.groupHasMembers(group: group, members: members) }
        let topics = try namespaceTopics()
        let partitions = topics.flatMap { topic, count in (0..<count).map { TopicPartition(topic: topic, partition: $0) } }
        let offsets = try GroupOffsets(group: clusterGroup, configuration: configuration).committed(partitions)
        if offsets.isEmpty { throw KafkaLogError.unknownGroup(group) }
        return (clusterGroup, offsets)
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import Synchronization

/// A durable, segmented, append-only log on local disk: topics of partitions of segments,
/// group-committed appends, and consumer groups with committed offsets. This facade owns the
/// topics and appends; `GroupCoordinator` runs the groups and `Retention` deletes old segments.
///
/// Layout under `directory`: `topics` (the topic list), `<topic>-<p>/<base>.log|.index`,
/// `groups/<group>.offsets`, `.lock` (held while open) and `.clean-shutdown` (present only
/// between a clean close and the next open; without it the active segments are fully checked).
public final class SagaLog: MessageLog, Sendable {
    public let directory: String
    public let configuration: LogConfiguration
    let logger: Logger
    /// Wakes waiting consumers when records become visible or group membership changes, so
    /// that consumers never poll the disk.
    let signal = KeyedChangeSignal()
    /// Changed when groups change members or the log closes: every consumer wakes.
    static let membershipKey = "log"
    /// Changed when `topic` has new records: only its consumers wake (with one key for every
    /// topic, each append woke every service's consumer, two of three for nothing).
    static func appendKey(topic: String) -> String { "log:" + topic }
    let coordinator: GroupCoordinator
    /// Partitions groups are stuck on (damaged or deleted records).
    let stalls: StalledReads
    /// Records found missing at open, until acknowledged.
    private let lost: LostRecordsJournal
    private let writer: GroupCommitWriter
    private let lock: DirectoryLock
    private let state: Mutex<State>

    private struct State {
        var topics: [String: Topic] = [:]
        var closed = false
        var recovery: [SegmentRecoveryReport] = []
    }

    static let markerName = ".clean-shutdown"

    /// Opens or creates the log, recovering every partition.
    public static func open(
        directory: String, configuration: LogConfiguration = LogConfiguration(),
        logger: Logger = Logger(label: "sagalog")
    ) throws -> SagaLog {
        try configuration.validate()
        try FileSystem.makeDirectory(directory)
        try FileSystem.makeDirectory(directory + "/groups")
        let lock = try DirectoryLock(path: directory + "/.lock")
        return try SagaLog(directory: directory, configuration: configuration, logger: logger, lock: lock)
    }

    private init(directory: String, configuration: LogConfiguration, logger: Logger, lock: DirectoryLock) throws {
        self.stalls = StalledReads(logger: logger)
        self.directory = directory
        self.configuration = configuration
        self.logger = logger
        self.lock = lock
        let signal = self.signal
        self.writer = GroupCommitWriter(durability: configuration.durability) { topics in
            signal.notify(Set(topics.map(SagaLog.appendKey(topic:))))
        }
        self.state = Mutex(State())

        let marker = directory + "/" + Self.markerName
        let clean = FileSystem.exists(marker)
        if !clean && FileSystem.exists(directory + "/" + TopicCatalog.fileName) {
            logger.warning("previous shutdown was not clean; checking every record of the active segments")
        }
        let catalog = try TopicCatalog.load(directory: directory)
        var topics: [String: Topic] = [:]
        var reports: [SegmentRecoveryReport] = []
        for (name, count) in catalog {
            let (topic, topicReports) = try PartitionLoader.openTopic(
                name: name, partitions: count, logDirectory: directory, fullScan: !clean,
                configuration: configuration, logger: logger)
            topics[name] = topic
            reports += topicReports
        }
        self.coordinator = try GroupCoordinator(
            logDirectory: directory, topics: topics, configuration: configuration, logger: logger, signal: signal)
        self.lost = try LostRecordsJournal(logDirectory: directory, adding: coordinator.lostAtOpen)
        state.withLock { state in
            state.topics = topics
            state.recovery = reports
        }
        if clean { try FileSystem.remove(marker); try FileSystem.syncDirectory(directory) }
        writer.start()
    }

    /// What recovery found when the log was opened (segments scanned, bytes truncated).
    public var recoveryReports: [SegmentRecoveryReport] { state.withLock { $0.recovery } }

    // MARK: Topics

    public func ensureTopic(_ name: String, partitions: Int) throws {
        try createTopic(name, partitions: partitions)
    }

    /// Creates `name` with `partitions` partitions; an existing topic with the same count is fine.
    public func createTopic(_ name: String, partitions: Int) throws {
        guard Topic.isValidName(name) else { throw SagaLogError.invalidTopicName(name) }
        guard (1...1024).contains(partitions) else { throw SagaLogError.invalidPartitionCount(partitions) }
        try state.withLock { (state) in
            if state.closed { throw SagaLogError.logClosed }
            if let existing = state.topics[name] {
                guard existing.partitions.count == partitions else {
                    throw SagaLogError.topicAlreadyExists(name, partitions: existing.partitions.count)
                }
                return
            }
            let (topic, _) = try PartitionLoader.openTopic(
                name: name, partitions: partitions, logDirectory: directory, fullScan: true,
                configuration: configuration, logger: logger)
            state.topics[name] = topic
            try TopicCatalog.save(state.topics.mapValues { $0.partitions.count }, directory: directory)
        }
    }

    public var topicNames: [String] { state.withLock { $0.topics.keys.sorted() } }

    public func partitionCount(of topic: String) throws -> Int {
        try self.topic(topic).partitions.count
    }

    func topic(_ name: String) throws -> Topic {
        guard let topic = state.withLock({ $0.topics[name] }) else { throw SagaLogError.unknownTopic(name) }
        return topic
    }

    func partition(_ key: TopicPartition) throws -> Partition {
        try topic(key.topic).partition(key.partition)
    }

    // MARK: Appending and reading

    public func append(_ records: [ProducerRecord], to topicName: String) async throws -> [RecordPosition] {
        try await appendRecords(records, to: topicName)
    }

    /// Appends one record; returns where it landed once the durability policy is met.
    public func append(_ record: ProducerRecord, to topicName: String) async throws -> RecordPosition {
        try await appendRecords([record], to: topicName)[0]
    }

    /// Appends records, grouped per partition into one queued write each; the returned
    /// positions follow the input order.
    public func appendRecords(_ records: [ProducerRecord], to topicName: String) async throws -> [RecordPosition] {
        if state.withLock({ $0.closed }) { throw SagaLogError.logClosed }
        let topic = try topic(topicName)
        for record in records {
            let size = RecordFrame.encodedLength(of: record)
            if size > configuration.maxRecordBytes { throw SagaLogError.recordTooLarge(bytes: size, limit: configuration.maxRecordBytes) }
        }
        var byPartition: [Int: [Int]] = [:]
        for (i, record) in records.enumerated() {
            byPartition[KeyPartitioner.partition(for: record.key, partitions: topic.partitions.count), default: []].append(i)
        }
        let now = currentTimeMillis()
        if byPartition.count == 1, let (partitionID, _) = byPartition.first {
            // The common case (one key, or a one-partition topic): no task group needed.
            let result: Result<Int64, SagaLogError> = await withCheckedContinuation { continuation in
                writer.submit(PendingAppend(records: records, now: now) { continuation.resume(returning: $0) },
                              to: topic.partitions[partitionID])
            }
            let first = try result.get()
            return (0..<records.count).map {
                RecordPosition(topic: topicName, partition: partitionID, offset: first + Int64($0))
            }
        }
        var positions = [RecordPosition?](repeating: nil, count: records.count)
        let result: Result<Void, SagaLogError> = await withTaskGroup(of: Result<(Int, Int64), SagaLogError>.self) { group in
            for (partitionID, indices) in byPartition {
                let partition = topic.partitions[partitionID]
                let subset = indices.map { records[$0] }
                group.addTask { [writer] in
                    await withCheckedContinuation { continuation in
                        writer.submit(PendingAppend(records: subset, now: now) { result in
                            continuation.resume(returning: result.map { (partitionID, $0) })
                        }, to: partition)
                    }
                }
            }
            var failure: SagaLogError? = nil
            for await outcome in group {
                switch outcome {
                case .success(let (partitionID, first)):
                    for (n, index) in byPartition[partitionID]!.enumerated() {
                        positions[index] = RecordPosition(topic: topicName, partition: partitionID, offset: first + Int64(n))
                    }
                case .failure(let error): failure = failure ?? error
                }
            }
            return failure.map { .failure($0) } ?? .success(())
        }
        try result.get()
        return positions.map { $0! }
    }

    /// Reads up to `maxRecords` from one partition starting at `offset` (no group involved).
    public func read(
        topic: String, partition: Int, from offset: Int64, maxRecords: Int = 100
    ) throws -> [LogRecord] {
        try self.topic(topic).partition(partition).read(from: offset, maxRecords: maxRecords, maxBytes: 8 << 20).records
    }

    // MARK: Consumer groups

    /// Hands `offsets` to the writer thread for `store`; returns once they are written.
    func commit(_ offsets: [TopicPartition: Int64], to store: OffsetStore) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            writer.submit(PendingOffsetCommit(store: store, offsets: offsets) { continuation.resume(with: $0) })
        }
    }

    public func subscribe(group: String, topics: [String]) throws -> any MessageConsumer {
        try consumer(group: group, topics: topics)
    }

    /// Joins `group` as a new member reading `topics`.
    public func consumer(group name: String, topics: [String], memberID: String? = nil) throws -> LogConsumer {
        guard Topic.isValidName(name) else { throw SagaLogError.invalidTopicName(name) }
        var counts: [String: Int] = [:]
        for topic in topics { counts[topic] = try self.topic(topic).partitions.count }
        let (group, member) = try coordinator.join(
            group: name, topics: topics, memberID: memberID, partitionCounts: counts)
        return LogConsumer(group: name, memberID: member, topics: topics, log: self, membership: group)
    }

    func leave(group: ConsumerGroup, member: String) {
        let counts = state.withLock { $0.topics.mapValues { $0.partitions.count } }
        coordinator.leave(group: group, member: member, partitionCounts: counts)
    }

    /// Moves a group's committed offsets (all its topics, or just `topic`). The group must
    /// have no live members.
    public func resetGroup(_ name: String, to target: OffsetResetTarget, topic onlyTopic: String? = nil) throws {
        try coordinator.reset(name, to: target, topic: onlyTopic) { try self.topic($0) }
    }

    // MARK: Statistics, retention, close

    public func topicStatistics() -> [PartitionStatistics] {
        let topics = state.withLock { $0.topics.values.sorted { $0.name < $1.name } }
        return topics.flatMap { $0.partitions.map(\.statistics) }
    }

    /// Partitions where a group is stuck on damaged or deleted records.
    public var stalledReads: [StalledRead] { stalls.all }

    /// Records found missing when the log was opened (this time or before), until acknowledged.
    public var lostRecords: [LostRecords] { lost.all }

    public func acknowledgeLostRecords() throws { try lost.acknowledge() }

    /// Committed offset and lag for every group and partition of the topics it committed to
    /// or currently reads.
    public func groupLag() -> [GroupPartitionLag] {
        coordinator.lag(in: state.withLock { $0.topics })
    }

    /// Deletes closed segments past the retention limits, except those holding records a
    /// consumer group has not consumed; returns how many went and what groups held back.
    @discardableResult
    public func enforceRetention(nowSeconds: Double? = nil) throws -> RetentionOutcome {
        let topics = state.withLock { $0.topics }
        let floors = coordinator.retentionFloors(in: topics)
        return try Retention.enforce(on: topics.values.sorted { $0.name < $1.name }, floors: floors, nowSeconds: nowSeconds)
    }

    /// Completes queued appends, syncs everything and marks the shutdown clean.
    public func close() throws {
        let topics = state.withLock { state -> [Topic]? in
            if state.closed { return nil }
            state.closed = true
            return Array(state.topics.values)
        }
        guard let topics else { return }
        coordinator.close()
        writer.stop()
        signal.notify([Self.membershipKey])
        defer { lock.release() }
        // Every partition gets its final sync; a stopped one leaves the log unmarked (not clean).
        var failure: (any Error)? = nil
        for topic in topics {
            for partition in topic.partitions {
                do { try partition.closeCleanly() } catch { failure = failure ?? error }
            }
        }
        if let failure { throw failure }
        do {
            try FileSystem.writeAtomically([], to: directory + "/" + Self.markerName)
        } catch {
            logger.warning("could not mark the shutdown clean; the next open checks every active segment",
                           metadata: ["error": "\(error)"])
        }
    }
}

extension SagaLog {
    /// Stops the writer and drops the lock without syncing or writing the clean-shutdown
    /// marker: what a `kill -9` leaves behind, for crash-recovery tests.
    func abandonWithoutClosing() {
        let open = state.withLock { state -> Bool in
            defer { state.closed = true }
            return !state.closed
        }
        guard open else { return }
        coordinator.close()
        writer.stop()
        lock.release()
    }
}

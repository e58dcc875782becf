import Synchronization

/// A member of a consumer group. `poll` returns batches from the partitions assigned to this
/// member, waiting (without touching the disk) until records arrive; `commit` stores the
/// group's progress. Positions not committed are forgotten on rebalance or restart, so a
/// record is delivered at least once.
public final class LogConsumer: MessageConsumer, Sendable {
    public let group: String
    public let memberID: String
    public let topics: [String]
    private let log: SagaLog
    private let membership: ConsumerGroup
    private let state = Mutex(State())

    private struct State {
        var generation = -1
        var assignment: [TopicPartition] = []
        var positions: [TopicPartition: Int64] = [:]
        var hints: [TopicPartition: Partition.ReadHint] = [:]
        var nextPartition = 0
        var closed = false
    }

    init(group: String, memberID: String, topics: [String], log: SagaLog, membership: ConsumerGroup) {
        self.group = group
        self.memberID = memberID
        self.topics = topics
        self.log = log
        self.membership = membership
    }

    /// The partitions this member owns right now.
    public var assignment: [TopicPartition] {
        refreshAssignment()
        return state.withLock { $0.assignment }
    }

    /// Up to `maxRecords` records, waiting up to `timeout` for the first; empty on timeout.
    public func poll(maxRecords: Int = 500, timeout: Duration = .seconds(1)) async throws -> [LogRecord] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        let keys = [SagaLog.membershipKey] + topics.map(SagaLog.appendKey(topic:))
        while true {
            let seen = log.signal.versions(of: keys)
            let records = try readAvailable(maxRecords: maxRecords)
            if !records.isEmpty { return records }
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero || Task.isCancelled { return [] }
            await log.signal.wait(forAnyOf: keys, changingFrom: seen, timeout: remaining)
        }
    }

    /// Commits, for each partition in `records`, the offset after its last record.
    /// Partitions this member no longer owns (after a rebalance) are skipped: their new
    /// owner re-reads from the last commit. Returns once the log's writer thread wrote the
    /// commit (see `OffsetCommitSchedule` for when it is synced).
    public func commit(_ records: [LogRecord]) async throws {
        var offsets: [TopicPartition: Int64] = [:]
        for record in records {
            let key = TopicPartition(topic: record.topic, partition: record.partition)
            offsets[key] = max(offsets[key] ?? 0, record.offset + 1)
        }
        try await commit(offsets: offsets)
    }

    /// Commits explicit next-offsets per partition; each must be within the partition's range.
    public func commit(offsets: [TopicPartition: Int64]) async throws {
        refreshAssignment()
        let owned = state.withLock { Set($0.assignment) }
        var accepted: [TopicPartition: Int64] = [:]
        for (key, offset) in offsets where owned.contains(key) {
            let partition = try log.partition(key)
            let end = partition.endOffset
            guard offset <= end, offset >= 0 else {
                throw SagaLogError.offsetOutOfRange(
                    topic: key.topic, partition: key.partition, offset: offset, start: partition.startOffset, end: end)
            }
            accepted[key] = offset
        }
        guard !accepted.isEmpty else { return }
        try await log.commit(accepted, to: membership.offsets)
    }

    /// Moves this member's read position for `partition` (not committed until `commit`).
    public func seek(_ partition: TopicPartition, to offset: Int64) {
        state.withLock { state in
            state.positions[partition] = offset
            state.hints[partition] = nil
        }
    }

    /// Leaves the group; its partitions go to the remaining members.
    public func close() {
        let wasOpen = state.withLock { state -> Bool in
            defer { state.closed = true }
            return !state.closed
        }
        guard wasOpen else { return }
        log.leave(group: membership, member: memberID)
    }

    // MARK: Internals

    private func refreshAssignment() {
        let (generation, partitions) = membership.assignment(of: memberID)
        guard state.withLock({ $0.generation != generation }) else { return }
        var starts: [TopicPartition: Int64] = [:]
        for key in partitions {
            guard let partition = try? log.partition(key) else { continue }
            starts[key] = log.coordinator.startingOffset(for: key, group: membership, partition: partition)
        }
        state.withLock { state in
            guard state.generation != generation else { return }
            let previous = Set(state.assignment)
            state.generation = generation
            state.assignment = partitions
            // A partition kept across a rebalance keeps its in-memory position; new ones start
            // at the group's committed offset.
            state.positions = state.positions.filter { partitions.contains($0.key) && previous.contains($0.key) }
            state.hints = state.hints.filter { state.positions[$0.key] != nil }
            for key in partitions where state.positions[key] == nil { state.positions[key] = starts[key] }
        }
    }

    /// Reads `partition` from `from`. A damaged record ends a read just before it (the records
    /// ahead of it are delivered); a read at the damaged record itself reports the stall and
    /// returns nil, so the member reads its other partitions on.
    private func read(
        _ partition: Partition, _ key: TopicPartition, from: Int64, maxRecords: Int, hint: Partition.ReadHint?
    ) throws -> Partition.ReadResult? {
        do {
            return try partition.read(from: from, maxRecords: maxRecords, maxBytes: 4 << 20, hint: hint)
        } catch SagaLogError.corruptSegment(let path, let position, let reason) {
            log.stalls.report(group: group, partition: key, offset: from, reason: """
                the record at offset \(from) is damaged (\(reason) at byte \(position) of \(path))
                """)
            return nil
        }
    }

    private func readAvailable(maxRecords: Int) throws -> [LogRecord] {
        refreshAssignment()
        let (closed, assignment, start) = state.withLock { ($0.closed, $0.assignment, $0.nextPartition) }
        if closed { throw SagaLogError.consumerClosed }
        guard !assignment.isEmpty else { return [] }
        var records: [LogRecord] = []
        for step in 0..<assignment.count where records.count < maxRecords {
            let key = assignment[(start + step) % assignment.count]
            let partition = try log.partition(key)
            let (position, hint) = state.withLock { ($0.positions[key] ?? 0, $0.hints[key]) }
            let from = position
            if from < partition.startOffset {
                // Never skipped: the group stays here and the stall shows in health.
                log.stalls.report(group: group, partition: key, offset: from, reason: """
                    records \(from)..<\(partition.startOffset) were deleted before the group consumed them
                    """)
                continue
            }
            guard from < partition.endOffset else { continue }
            guard let result = try read(partition, key, from: from, maxRecords: maxRecords - records.count, hint: hint) else {
                continue
            }
            log.stalls.clear(group: group, partition: key)
            records.append(contentsOf: result.records)
            state.withLock { state in
                guard state.positions[key] != nil else { return }
                state.positions[key] = result.nextOffset
                state.hints[key] = result.hint
            }
        }
        state.withLock { $0.nextPartition = (start + 1) % max(1, assignment.count) }
        return records
    }
}

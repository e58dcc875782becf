/// What the daemon needs beyond producing and consuming: topics and their statistics, group
/// lag and offset resets, retention and the recovery report. Pausing a group is left to the
/// services (their consumer loops leave the group), so a backend need not support it.
public protocol MessageLogAdmin: Sendable {
    /// Every topic's name, sorted.
    var topicNames: [String] { get }
    /// Offsets and sizes of every partition, sorted by topic, then partition.
    func topicStatistics() -> [PartitionStatistics]
    /// Up to `maxRecords` records of one partition from `offset`, outside any consumer group
    /// (record peeks, dead-letter listings).
    func read(topic: String, partition: Int, from offset: Int64, maxRecords: Int) throws -> [LogRecord]
    /// Committed offset and lag for every group and every partition of the topics it reads.
    func groupLag() -> [GroupPartitionLag]
    /// Moves a group's committed offsets (all its topics, or just `topic`); the group must have
    /// no live members, else this throws an error of kind `groupHasMembers`.
    func resetGroup(_ group: String, to target: OffsetResetTarget, topic: String?) throws
    /// Drops records past the retention limits (`nowSeconds`: the clock to judge age by,
    /// `nil` for now), but never one a consumer group has not consumed yet: what the limits
    /// would drop and a group still needs is kept and reported in the outcome.
    @discardableResult
    func enforceRetention(nowSeconds: Double?) throws -> RetentionOutcome
    /// Partitions where a consumer group is stuck on damaged or deleted records, by group.
    var stalledReads: [StalledRead] { get }
    /// Records found missing when the log was opened, until acknowledged.
    var lostRecords: [LostRecords] { get }
    /// The operator has seen the lost records: stop reporting them.
    func acknowledgeLostRecords() throws
    /// What opening the log found and repaired.
    var recoveryReport: LogRecoveryReport { get }
    /// Checks every record of every partition (or of `topic`, or of its `partition`) against
    /// its checksum and offset, and the storage's indexes against the records; names each
    /// damaged range.
    func verify(topic: String?, partition: Int?) throws -> ScrubReport
    /// Moves `group`'s committed offset on one partition forward to `offset`, past records it
    /// cannot or must not read (a damaged range); the group must have no live members, else
    /// this throws an error of kind `groupHasMembers`. What was skipped is logged, kept by the
    /// backend and returned.
    func skip(group: String, topic: String, partition: Int, to offset: Int64) throws -> SkippedRecords
    /// Completes queued appends, makes them durable and releases the log's storage.
    func close() throws
}

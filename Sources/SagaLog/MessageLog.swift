/// The seam between the saga's services and the log that carries their events. `SagaLog` is
/// the on-disk implementation; another (for example one on Kafka) can conform instead.
public protocol MessageLog: Sendable {
    /// Creates the topic with `partitions` partitions, or checks that it already has them.
    func ensureTopic(_ name: String, partitions: Int) throws
    /// Appends records; each lands in the partition chosen by its key. Returns their positions,
    /// in order, once the log's durability policy is met.
    func append(_ records: [ProducerRecord], to topic: String) async throws -> [RecordPosition]
    /// Joins `group` as a new member reading `topics`.
    func subscribe(group: String, topics: [String]) throws -> any MessageConsumer
}

/// A member of a consumer group, as the services see it.
public protocol MessageConsumer: Sendable {
    func poll(maxRecords: Int, timeout: Duration) async throws -> [LogRecord]
    func commit(_ records: [LogRecord]) throws
    func close()
}

/// A group's committed offset and lag on one partition.
public struct GroupPartitionLag: Sendable, Equatable, Codable {
    public var group: String
    public var topic: String
    public var partition: Int
    /// The next offset the group will read; `nil` when it never committed.
    public var committedOffset: Int64?
    public var endOffset: Int64
    /// `end − max(committed, start)`: records not yet consumed, never negative.
    public var lag: Int64
    public var members: Int
}

/// Where `resetGroup` moves a group's offsets.
public enum OffsetResetTarget: Sendable, Equatable {
    case earliest
    case latest
    case offset(Int64)
}

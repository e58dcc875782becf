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

/// A member of a consumer group, as the services see it. The group's partitions are dealt out
/// among its live members; each partition is read by exactly one member at a time.
public protocol MessageConsumer: Sendable {
    /// Up to `maxRecords` records from this member's partitions, in offset order per partition,
    /// waiting up to `timeout` for the first; empty on timeout.
    func poll(maxRecords: Int, timeout: Duration) async throws -> [LogRecord]
    /// Stores, per partition in `records`, the offset after its last record as the group's
    /// progress; a member that later owns the partition resumes there. A commit may be taken
    /// back by a power loss shortly after it returned (the records are then delivered again).
    func commit(_ records: [LogRecord]) async throws
    /// Leaves the group; its partitions go to the remaining members.
    func close()
}

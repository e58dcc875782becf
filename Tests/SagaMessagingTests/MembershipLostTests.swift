import Foundation
import GRDB
import Logging
import MessageLog
import SagaLog
import Synchronization
import Testing
@testable import SagaMessaging

/// SagaLog, except that its members refuse every commit that includes a record of the first
/// batch they committed, as a broker refuses the commit of a member whose partitions went to
/// another in a rebalance (`ILLEGAL_GENERATION`): those offsets can never be committed by it.
private final class RebalancedLog: MessageLog, MessageLogAdmin {
    struct Refused: MessageLogError {
        var kind: MessageLogFailureKind { .membershipLost }
        var description: String { "the group rebalanced: this member's generation is no longer valid" }
    }

    /// A member whose first commit's records stay refused.
    final class Member: MessageConsumer {
        let inner: any MessageConsumer
        let lost = Mutex<Set<String>?>(nil)
        let refusals = Atomic<Int>(0)
        init(_ inner: any MessageConsumer) { self.inner = inner }

        func poll(maxRecords: Int, timeout: Duration) async throws -> [LogRecord] {
            try await inner.poll(maxRecords: maxRecords, timeout: timeout)
        }

        func commit(_ records: [LogRecord]) async throws {
            let keys = Set(records.map { "\($0.partition)/\($0.offset)" })
            let refused = lost.withLock { lost in
                if lost == nil { lost = keys }
                return !(lost ?? []).isDisjoint(with: keys)
            }
            if refused {
                refusals.add(1, ordering: .relaxed)
                throw Refused()
            }
            try await inner.commit(records)
        }

        func close() { inner.close() }
    }

    let log: SagaLog
    let members = Mutex<[Member]>([])
    init(_ log: SagaLog) { self.log = log }

    func ensureTopic(_ name: String, partitions: Int) throws { try log.ensureTopic(name, partitions: partitions) }
    func append(_ records: [ProducerRecord], to topic: String) async throws -> [RecordPosition] {
        try await log.append(records, to: topic)
    }
    func subscribe(group: String, topics: [String]) throws -> any MessageConsumer {
        let member = Member(try log.subscribe(group: group, topics: topics))
        members.withLock { $0.append(member) }
        return member
    }
    var topicNames: [String] { log.topicNames }
    func topicStatistics() -> [PartitionStatistics] { log.topicStatistics() }
    func read(topic: String, partition: Int, from offset: Int64, maxRecords: Int) throws -> [LogRecord] {
        try log.read(topic: topic, partition: partition, from: offset, maxRecords: maxRecords)
    }
    func groupLag() -> [GroupPartitionLag] { log.groupLag() }
    func resetGroup(_ group: String, to target: OffsetResetTarget, topic: String?) throws {
        try log.resetGroup(group, to: target, topic: topic)
    }
    func enforceRetention(nowSeconds: Double?) throws -> RetentionOutcome { try log.enforceRetention(nowSeconds: nowSeconds) }
    var stalledReads: [StalledRead] { log.stalledReads }
    var lostRecords: [LostRecords] { log.lostRecords }
    func acknowledgeLostRecords() throws { try log.acknowledgeLostRecords() }
    var recoveryReport: LogRecoveryReport { log.recoveryReport }
    func verify(topic: String?, partition: Int?) throws -> ScrubReport { try log.verify(topic: topic, partition: partition) }
    func skip(group: String, topic: String, partition: Int, to offset: Int64) throws -> SkippedRecords {
        try log.skip(group: group, topic: topic, partition: partition, to: offset)
    }
    func close() throws { try log.close() }
}

@Suite struct MembershipLostTests {
    /// A commit refused because the group moved on is not retried for ever: the consumer drops
    /// those offsets (their records go again to whoever owns them; the inbox drops repeats) and
    /// goes on applying and committing what comes next.
    @Test func aCommitRefusedAfterARebalanceIsDroppedAndTheConsumerGoesOn() async throws {
        let directory = NSTemporaryDirectory() + "membership-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        var configuration = LogConfiguration()
        configuration.durability = .never
        let sagaLog = try SagaLog.open(directory: directory + "/log", configuration: configuration, logger: logger)
        defer { try? sagaLog.close() }
        try sagaLog.ensureTopic("order_pending", partitions: 1)
        try sagaLog.ensureTopic(SagaEventType.orderPending.deadLetterTopic, partitions: 1)
        let log = RebalancedLog(sagaLog)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("effects") { db in try db.execute(sql: "CREATE TABLE effects (order_id TEXT)") }
        Inbox.registerMigration(in: &migrator)
        Inbox.registerTimelineMigration(in: &migrator)
        let database = try ServiceDatabase.open(path: directory + "/db.sqlite", migrator: migrator)
        let consumer = EventConsumer(
            service: "test", group: "test", types: [.orderPending], log: log, database: database,
            commitInterval: .milliseconds(10), logger: logger,
            handler: { event, db in try db.execute(sql: "INSERT INTO effects VALUES (?)", arguments: [event.orderID]) })
        let running = Task { await consumer.run() }
        defer { running.cancel() }

        for batch in [["a", "b"], ["c", "d", "e"]] {
            for order in batch {
                _ = try await log.append([try EventCodec.record(for: SagaEvent(type: .orderPending, orderID: order))], to: "order_pending")
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        let deadline = ContinuousClock.now + .seconds(10)
        var committed: Int64? = nil
        while ContinuousClock.now < deadline {
            committed = log.groupLag().first { $0.group == "test" && $0.topic == "order_pending" }?.committedOffset
            if committed == 5 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(committed == 5, "the commits after the refused one went through")
        #expect(log.members.withLock { $0.first?.refusals.load(ordering: .relaxed) } == 1, "the refused offsets were not sent again")
        let effects = try await database.read { try String.fetchAll($0, sql: "SELECT order_id FROM effects ORDER BY order_id") }
        #expect(effects == ["a", "b", "c", "d", "e"])
    }
}

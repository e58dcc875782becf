import Foundation
import Testing
@testable import SagaLog

@Suite struct ConsumerGroupTests {
    /// Polls until `count` records arrived (or a poll came back empty).
    func drain(_ consumer: LogConsumer, count: Int) async throws -> [LogRecord] {
        var records: [LogRecord] = []
        while records.count < count {
            let batch = try await consumer.poll(maxRecords: 100, timeout: .seconds(2))
            if batch.isEmpty { break }
            records += batch
        }
        return records
    }

    @Test func aRestartedMemberResumesFromTheCommittedOffset() async throws {
        let dir = TemporaryDirectory()
        var log = try SagaLog.open(directory: dir.path, configuration: .small(), logger: quietLogger)
        try log.createTopic("t", partitions: 2)
        _ = try await log.appendRecords((0..<40).map { record("k\($0)", "v\($0)") }, to: "t")
        var consumer = try log.consumer(group: "g", topics: ["t"])
        let firstHalf = try await drain(consumer, count: 40)
        #expect(firstHalf.count == 40)
        try await consumer.commit(firstHalf)
        consumer.close()
        _ = try await log.appendRecords((40..<60).map { record("k\($0)", "v\($0)") }, to: "t")
        try log.close()

        log = try SagaLog.open(directory: dir.path, configuration: .small(), logger: quietLogger)
        consumer = try log.consumer(group: "g", topics: ["t"])
        let rest = try await drain(consumer, count: 20)
        #expect(Set(rest.map(text)) == Set((40..<60).map { "v\($0)" }))
        #expect(try await consumer.poll(maxRecords: 10, timeout: .milliseconds(50)).isEmpty)
        // Uncommitted progress is redelivered to the next member.
        consumer.close()
        let again = try log.consumer(group: "g", topics: ["t"])
        #expect(try await drain(again, count: 20).count == 20)
        let lag = log.groupLag().filter { $0.group == "g" }
        #expect(lag.reduce(0) { $0 + $1.lag } == 20)
        try log.close()
    }

    @Test func aNewGroupStartsAtEarliestOrLatestAsConfigured() async throws {
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration.small()
        configuration.newGroupStart = .latest
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        _ = try await log.appendRecords((0..<5).map { record("k", "old\($0)") }, to: "t")
        let latest = try log.consumer(group: "late", topics: ["t"])
        #expect(try await latest.poll(maxRecords: 10, timeout: .milliseconds(50)).isEmpty)
        _ = try await log.append(record("k", "new"), to: "t")
        #expect(try await latest.poll(maxRecords: 10, timeout: .seconds(2)).map(text) == ["new"])
        try log.close()
    }

    @Test func partitionsAreSplitAndReassignedWhenAMemberLeaves() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(), logger: quietLogger)
        try log.createTopic("t", partitions: 4)
        let a = try log.consumer(group: "g", topics: ["t"], memberID: "a")
        let b = try log.consumer(group: "g", topics: ["t"], memberID: "b")
        let ownedA = Set(a.assignment)
        let ownedB = Set(b.assignment)
        #expect(ownedA.count == 2)
        #expect(ownedB.count == 2)
        #expect(ownedA.isDisjoint(with: ownedB))
        _ = try await log.appendRecords((0..<100).map { record("k\($0)", "\($0)") }, to: "t")
        let fromA = try await drain(a, count: 100)
        #expect(!fromA.isEmpty)
        #expect(fromA.allSatisfy { ownedA.contains(TopicPartition(topic: $0.topic, partition: $0.partition)) })
        try await a.commit(fromA)
        a.close()
        #expect(Set(b.assignment).count == 4)
        let fromB = try await drain(b, count: 100 - fromA.count)
        #expect(Set((fromA + fromB).map(text)) == Set((0..<100).map { "\($0)" }))
        #expect(fromA.count + fromB.count == 100)
        try log.close()
    }

    @Test func aWaitingConsumerIsWokenByAnAppend() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(), logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        let consumer = try log.consumer(group: "g", topics: ["t"])
        let clock = ContinuousClock()
        let start = clock.now
        async let received = consumer.poll(maxRecords: 10, timeout: .seconds(20))
        try await Task.sleep(for: .milliseconds(100))
        _ = try await log.append(record("k", "wake"), to: "t")
        #expect(try await received.map(text) == ["wake"])
        #expect(clock.now - start < .seconds(10))
        try log.close()
    }

    /// An append wakes the consumers of its topic only: the version a consumer of another
    /// topic waits on does not move (with one key for the whole log, every append woke every
    /// service's consumer).
    @Test func anAppendChangesOnlyItsTopicsKey() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(), logger: quietLogger)
        try log.createTopic("a", partitions: 1)
        try log.createTopic("b", partitions: 1)
        let keys = ["a", "b"].map(SagaLog.appendKey(topic:)) + [SagaLog.membershipKey]
        let before = log.signal.versions(of: keys)
        _ = try await log.append(record("k", "v"), to: "a")
        let after = log.signal.versions(of: keys)
        #expect(after[0] != before[0], "the appended topic's key did not change")
        #expect(after[1] == before[1], "another topic's consumers were woken")
        #expect(after[2] == before[2], "every consumer was woken")

        // A consumer of "b" waits through appends to "a" and wakes for its own.
        let consumer = try log.consumer(group: "g", topics: ["b"])
        async let received = consumer.poll(maxRecords: 10, timeout: .seconds(20))
        for n in 0..<5 { _ = try await log.append(record("k", "a\(n)"), to: "a") }
        try await Task.sleep(for: .milliseconds(100))
        _ = try await log.append(record("k", "for b"), to: "b")
        #expect(try await received.map(text) == ["for b"])
        try log.close()
    }

    /// Under `always` the end a commit may reach is the durable end: a record written but
    /// still waiting for its `fdatasync` cannot be committed past.
    @Test func commitsPastTheDurableEndAreRejected() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(), logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        _ = try await log.append(record("k", "v"), to: "t")
        let consumer = try log.consumer(group: "g", topics: ["t"])
        let key = TopicPartition(topic: "t", partition: 0)
        let partition = try log.partition(key)
        // Hold the next sync: the second record is written but not yet durable.
        let gate = SyncGate()
        partition.setSyncFault { gate.hold() }
        async let second = log.append(record("k", "in flight"), to: "t")
        #expect(await waitUntil { gate.entered })
        #expect(partition.activeSegment.nextOffset == 2)
        await #expect(throws: SagaLogError.offsetOutOfRange(topic: "t", partition: 0, offset: 2, start: 0, end: 1)) {
            try await consumer.commit(offsets: [key: 2])
        }
        await #expect(throws: SagaLogError.offsetOutOfRange(topic: "t", partition: 0, offset: -1, start: 0, end: 1)) {
            try await consumer.commit(offsets: [key: -1])
        }
        #expect(log.groupLag().first { $0.group == "g" }?.committedOffset == nil)
        // Commits are written by the writer thread, which the held sync keeps busy.
        async let committed: Void = consumer.commit(offsets: [key: 1])
        gate.release()
        try await committed
        #expect(try await second.offset == 1)
        try await consumer.commit(offsets: [key: 2])
        #expect(log.groupLag().first { $0.group == "g" }?.committedOffset == 2)
        try log.close()
    }

    @Test func aCommittedOffsetPastTheRecoveredEndIsClamped() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(durability: .never), logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        _ = try await log.appendRecords((0..<10).map { record("k", "v\($0)") }, to: "t")
        let consumer = try log.consumer(group: "g", topics: ["t"])
        try await consumer.commit(try await drain(consumer, count: 10))
        let segment = try segmentFiles(log, topic: "t", partition: 0)[0]
        log.abandonWithoutClosing()
        // The unsynced tail is lost, as a power cut could do under `never`.
        let size = try FileManager.default.attributesOfItem(atPath: segment)[.size] as! UInt64
        try FileHandle(forUpdating: URL(fileURLWithPath: segment)).truncate(atOffset: size / 2)
        let reopened = try SagaLog.open(directory: dir.path, configuration: .small(durability: .never), logger: quietLogger)
        let end = reopened.topicStatistics()[0].endOffset
        #expect(end < 10)
        let row = try #require(reopened.groupLag().first { $0.group == "g" })
        #expect(row.committedOffset == end)
        #expect(row.lag == 0)
        _ = try await reopened.append(record("k", "fresh"), to: "t")
        let resumed = try reopened.consumer(group: "g", topics: ["t"])
        #expect(try await resumed.poll(maxRecords: 10, timeout: .seconds(2)).map(text) == ["fresh"])
        try reopened.close()
    }

    @Test func resetNeedsAnIdleGroupAndMovesItsOffsets() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(), logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        _ = try await log.appendRecords((0..<10).map { record("k", "v\($0)") }, to: "t")
        let consumer = try log.consumer(group: "g", topics: ["t"])
        try await consumer.commit(try await drain(consumer, count: 10))
        #expect(throws: SagaLogError.groupHasMembers(group: "g", members: 1)) { try log.resetGroup("g", to: .earliest) }
        consumer.close()
        try log.resetGroup("g", to: .offset(4))
        let again = try log.consumer(group: "g", topics: ["t"])
        #expect(try await drain(again, count: 6).map(text) == (4..<10).map { "v\($0)" })
        try log.close()
    }

    /// Once the log is closed (or abandoned) the coordinator makes no new group: no member,
    /// no offsets file written after the log let go of its directory.
    @Test(arguments: [false, true])
    func aClosedLogRefusesNewGroups(abandon: Bool) throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(), logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        if abandon { log.abandonWithoutClosing() } else { try log.close() }
        #expect(throws: SagaLogError.logClosed) { try log.consumer(group: "late", topics: ["t"]) }
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/groups/late.offsets"))
    }
}

extension ConsumerGroupTests {
    /// A commit returns once the writer wrote it, and the writer syncs it within its interval
    /// even when nothing else happens afterwards (an idle writer still wakes for it).
    @Test func anIdleWriterSyncsTheLastCommitSoon() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(), logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        let key = TopicPartition(topic: "t", partition: 0)
        _ = try await log.appendRecords((0..<20).map { record("k", "v\($0)") }, to: "t")
        let consumer = try log.consumer(group: "g", topics: ["t"])
        for offset in 1...20 { try await consumer.commit(offsets: [key: Int64(offset)]) }
        #expect(log.groupLag().first?.committedOffset == 20)
        #expect(await waitUntil(timeout: .seconds(2)) { log.coordinator.syncedOffsets(of: "g")?[key] == 20 })
        try log.close()
    }
}

@Suite struct OffsetStoreTests {
    /// The last commit wrote two entries (orders-0 then orders-2); damage to the last one
    /// must drop exactly that entry: orders-2 stays at 5, never 9, and orders-0 keeps 1.
    @Test(arguments: ["cut 1", "cut 10", "cut 27", "zeroed crc"])
    func aTornLastEntryIsDroppedAndEarlierCommitsKept(damage: String) throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/g.offsets"
        let key = TopicPartition(topic: "orders", partition: 2)
        let other = TopicPartition(topic: "orders", partition: 0)
        var store = try OffsetStore(group: "g", path: path, logger: quietLogger)
        try store.commit([key: 5])
        try store.commit([key: 9, other: 1])
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! UInt64
        // An entry is 8 (length, CRC) + 2 + "orders" + 4 (partition) + 8 (offset) = 28 bytes.
        let lastEntry = size - 28
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        switch damage {
        case "zeroed crc":
            // A torn write that kept the length but not the data: the entry's CRC no longer matches.
            try file.seek(toOffset: lastEntry + 4)
            try file.write(contentsOf: Data(repeating: 0, count: 4))
        default:
            try file.truncate(atOffset: size - UInt64(damage.dropFirst(4))!)
        }
        try file.close()
        store = try OffsetStore(group: "g", path: path, logger: quietLogger)
        #expect(store.offsets == [key: 5, other: 1])
        // The damaged bytes are gone from the file, and the journal carries on after the good entries.
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as! UInt64 == lastEntry)
        try store.commit([key: 7])
        store = try OffsetStore(group: "g", path: path, logger: quietLogger)
        #expect(store.offsets == [key: 7, other: 1])
        try store.replaceAll([key: 3])
        store = try OffsetStore(group: "g", path: path, logger: quietLogger)
        #expect(store.offsets == [key: 3])
    }

    /// The writer's commits are not synced one by one: what a power loss could take back stays
    /// out of `syncedOffsets` (what retention trusts) until `syncWritten`.
    @Test func unsyncedCommitsAreNotTrustedUntilSynced() throws {
        let dir = TemporaryDirectory()
        let key = TopicPartition(topic: "t", partition: 0)
        let store = try OffsetStore(group: "g", path: dir.path + "/g.offsets", logger: quietLogger)
        try store.commit([key: 4])
        try store.commit([key: 9])
        #expect(store.offsets == [key: 9])
        #expect(store.syncedOffsets.isEmpty)
        try store.syncWritten()
        #expect(store.syncedOffsets == [key: 9])
        try store.replaceAll([key: 2])
        #expect(store.syncedOffsets == [key: 2], "a compaction is synced")
    }

    @Test func theJournalIsCompactedWhenItGrowsLong() throws {
        let dir = TemporaryDirectory()
        let path = dir.path + "/g.offsets"
        let key = TopicPartition(topic: "t", partition: 0)
        let store = try OffsetStore(group: "g", path: path, logger: quietLogger)
        for offset in 1...10_050 { try store.commit([key: Int64(offset)]) }
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(size < 100 * 23)
        #expect(try OffsetStore(group: "g", path: path, logger: quietLogger).offset(for: key) == 10_050)
    }
}

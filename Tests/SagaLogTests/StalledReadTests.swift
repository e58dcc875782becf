import Foundation
import MessageLog
import Testing
@testable import SagaLog

/// A consumer group that cannot read on — a damaged record, records deleted before it consumed
/// them — stays where it is, says so in `stalledReads`, and reads its other partitions on; an
/// operator's group reset is the way out. Nothing is skipped silently.
@Suite struct StalledReadTests {
    /// Everything the member gets until polls come back empty twice.
    func drain(_ consumer: LogConsumer) async throws -> [LogRecord] {
        var records: [LogRecord] = []
        var empty = 0
        while empty < 2 {
            let batch = try await consumer.poll(maxRecords: 50, timeout: .milliseconds(100))
            if batch.isEmpty { empty += 1 } else { empty = 0 }
            records += batch
            try await consumer.commit(batch)
        }
        return records
    }

    @Test func aDamagedRecordStallsItsPartitionOnlyUntilAnOperatorMovesTheGroup() async throws {
        let dir = TemporaryDirectory()
        let configuration = LogConfiguration.small(segmentBytes: 2048)
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        try log.createTopic("u", partitions: 1)
        _ = try await log.appendRecords((0..<200).map { record("k", "value-\($0)") }, to: "t")
        _ = try await log.appendRecords((0..<200).map { record("k", "other-\($0)") }, to: "u")
        let first = try segmentFiles(log, topic: "t", partition: 0)[0]
        log.abandonWithoutClosing()
        // Byte 100 lies in the third frame (offset 2): frames of "value-0"…"value-9" are 44 bytes.
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: first))
        try file.seek(toOffset: 100)
        try file.write(contentsOf: Data([0xAB, 0xCD]))
        try file.close()
        let reopened = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        #expect(reopened.stalledReads.isEmpty)

        let consumer = try reopened.consumer(group: "g", topics: ["t", "u"])
        let got = try await drain(consumer)
        // The records ahead of the damage came, the damaged one and those after it did not;
        // the other partition went on to its end.
        #expect(got.filter { $0.topic == "t" }.map(\.offset) == [0, 1])
        #expect(got.filter { $0.topic == "u" }.count == 200)
        let stall = try #require(reopened.stalledReads.first)
        #expect(reopened.stalledReads.count == 1)
        #expect(stall.group == "g" && stall.topic == "t" && stall.partition == 0 && stall.offset == 2)
        #expect(stall.reason.contains("damaged") && stall.reason.contains(first), "\(stall.reason)")
        #expect(reopened.groupLag().first { $0.group == "g" && $0.topic == "t" }?.committedOffset == 2)

        // The operator's way out: move the group past the damaged record.
        consumer.close()
        try reopened.resetGroup("g", to: .offset(3), topic: "t")
        let resumed = try reopened.consumer(group: "g", topics: ["t", "u"])
        let rest = try await drain(resumed)
        #expect(rest.map(\.offset) == Array(3..<200))
        #expect(reopened.stalledReads.isEmpty)
        resumed.close()
        try reopened.close()
    }

    @Test func recordsDeletedBeforeTheGroupConsumedThemStallItInsteadOfSkipping() async throws {
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration.small(segmentBytes: 2048)
        configuration.retentionBytes = 3000
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        let key = TopicPartition(topic: "t", partition: 0)
        _ = try await log.appendRecords((0..<300).map { record("k", "value-\($0)") }, to: "t")
        #expect(try log.enforceRetention().deleted > 0)
        let start = log.topicStatistics()[0].startOffset
        #expect(start > 0)

        // A group whose stored offset points below the start (as after files were removed by hand).
        let member = try log.consumer(group: "g", topics: ["t"])
        try await member.commit(offsets: [key: 0])
        member.close()
        let consumer = try log.consumer(group: "g", topics: ["t"])
        #expect(try await consumer.poll(maxRecords: 10, timeout: .milliseconds(100)).isEmpty)
        let stall = try #require(log.stalledReads.first)
        #expect(stall.offset == 0 && stall.reason.contains("deleted"), "\(stall.reason)")

        consumer.close()
        try log.resetGroup("g", to: .earliest)
        let resumed = try log.consumer(group: "g", topics: ["t"])
        let first = try await resumed.poll(maxRecords: 1, timeout: .seconds(1))
        #expect(first.map(\.offset) == [start])
        #expect(log.stalledReads.isEmpty)
        resumed.close()
        try log.close()
    }
}

import Foundation
import Testing
@testable import SagaLog

@Suite struct RetentionTests {
    @Test func byAgeDeletesOnlyOldClosedSegments() async throws {
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration.small(segmentBytes: 2048)
        configuration.retentionAge = .seconds(3600)
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        _ = try await log.appendRecords((0..<200).map { record("k", "value-\($0)") }, to: "t")
        let files = try segmentFiles(log, topic: "t", partition: 0)
        #expect(files.count >= 4)
        // Age the two oldest segments by two hours; the rest are fresh.
        let old = Date().addingTimeInterval(-7200)
        for file in files.prefix(2) { try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: file) }
        #expect(try log.enforceRetention().deleted == 2)
        let remaining = try segmentFiles(log, topic: "t", partition: 0)
        #expect(remaining == Array(files.dropFirst(2)))
        let stats = log.topicStatistics()[0]
        #expect(stats.startOffset == Int64(remaining[0].split(separator: "/").last!.prefix(20))!)
        #expect(try log.read(topic: "t", partition: 0, from: stats.startOffset, maxRecords: 1).count == 1)
        #expect(throws: SagaLogError.offsetOutOfRange(topic: "t", partition: 0, offset: 0, start: stats.startOffset, end: 200)) {
            try log.read(topic: "t", partition: 0, from: 0)
        }
        // Even when everything is old, the active segment stays.
        for file in remaining { try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: file) }
        try log.enforceRetention()
        #expect(try segmentFiles(log, topic: "t", partition: 0) == [remaining.last!])
        #expect(log.topicStatistics()[0].endOffset == 200)
        try log.close()
    }

    @Test func bySizeKeepsThePartitionUnderItsBudget() async throws {
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration.small(segmentBytes: 2048)
        configuration.retentionBytes = 5000
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        _ = try await log.appendRecords((0..<300).map { record("k", "value-\($0)") }, to: "t")
        try log.enforceRetention()
        let stats = log.topicStatistics()[0]
        #expect(stats.bytes <= 5000)
        #expect(stats.segmentCount >= 2)
        #expect(stats.endOffset == 300)
        let kept = try readAll(log, topic: "t", partition: 0)
        #expect(kept.first?.offset == stats.startOffset)
        #expect(kept.last.map(text) == "value-299")
        try log.close()
    }

    /// Retention never deletes what a consumer group has not consumed: a group at offset 0 holds
    /// every segment (reported as held), and once it commits further, segments go up to the
    /// one holding its offset — not past it. A member that has committed nothing holds from
    /// the start.
    @Test func aGroupHoldsWhatItHasNotConsumed() async throws {
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration.small(segmentBytes: 2048)
        configuration.retentionBytes = 3000
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        let key = TopicPartition(topic: "t", partition: 0)
        let consumer = try log.consumer(group: "g", topics: ["t"])
        try await consumer.commit(offsets: [key: 0])
        #expect(await waitUntil { log.coordinator.syncedOffsets(of: "g")?[key] == 0 })
        _ = try await log.appendRecords((0..<300).map { record("k", "value-\($0)") }, to: "t")
        let before = log.topicStatistics()[0]
        #expect(before.segmentCount >= 4 && before.bytes > 3000)

        let held = try log.enforceRetention()
        #expect(held.deleted == 0)
        #expect(log.topicStatistics()[0] == before)
        let hold = try #require(held.held.first)
        #expect(held.held.count == 1)
        #expect(hold.group == "g" && hold.topic == "t" && hold.partition == 0 && hold.neededFrom == 0)
        #expect(hold.units >= 2 && hold.bytes > 0 && hold.bytes <= before.bytes)

        // The group has consumed up to 250: segments entirely below 250 go, 250 stays readable.
        try await consumer.commit(offsets: [key: 250])
        // Retention trusts a commit once the writer synced it (within OffsetCommitSchedule.syncInterval).
        #expect(await waitUntil { log.coordinator.syncedOffsets(of: "g")?[key] == 250 })
        let moved = try log.enforceRetention()
        let stats = log.topicStatistics()[0]
        #expect(moved.deleted > 0)
        #expect(stats.startOffset > 0 && stats.startOffset <= 250)
        #expect(stats.segmentCount == before.segmentCount - moved.deleted)
        #expect(try log.read(topic: "t", partition: 0, from: 250, maxRecords: 1).first.map(text) == "value-250")
        #expect(moved.held.allSatisfy { $0.neededFrom == 250 })

        // A second group's member that committed nothing needs everything from the start.
        let newcomer = try log.consumer(group: "h", topics: ["t"])
        let startBefore = log.topicStatistics()[0].startOffset
        try await consumer.commit(offsets: [key: 300])
        #expect(await waitUntil { log.coordinator.syncedOffsets(of: "g")?[key] == 300 })
        let blocked = try log.enforceRetention()
        #expect(blocked.deleted == 0)
        #expect(blocked.held.map(\.group) == (log.topicStatistics()[0].bytes > 3000 ? ["h"] : []))
        #expect(log.topicStatistics()[0].startOffset == startBefore)
        newcomer.close()
        consumer.close()
        try log.close()
    }
}

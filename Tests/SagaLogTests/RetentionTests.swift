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
        #expect(try log.enforceRetention() == 2)
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

    /// A group whose committed offset retention has deleted resumes at exactly the new start,
    /// and its lag counts only what still exists (`end − start`, not `end − committed`).
    @Test func aConsumerBehindTheStartSkipsToItAndLagIsClamped() async throws {
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration.small(segmentBytes: 2048)
        configuration.retentionBytes = 3000
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        let key = TopicPartition(topic: "t", partition: 0)
        let consumer = try log.consumer(group: "g", topics: ["t"])
        try consumer.commit(offsets: [key: 0])
        _ = try await log.appendRecords((0..<300).map { record("k", "value-\($0)") }, to: "t")
        let before = log.topicStatistics()[0]
        #expect(before.startOffset == 0)
        #expect(before.segmentCount >= 4)

        let deleted = try log.enforceRetention()
        let stats = log.topicStatistics()[0]
        // Retention really deleted: the start moved past the committed 0, segments went.
        #expect(deleted > 0)
        #expect(stats.startOffset > 0)
        #expect(stats.segmentCount == before.segmentCount - deleted)
        #expect(stats.endOffset == 300)
        #expect(stats.bytes <= 3000)
        #expect(try segmentFiles(log, topic: "t", partition: 0).count == stats.segmentCount)
        #expect(throws: SagaLogError.offsetOutOfRange(topic: "t", partition: 0, offset: 0, start: stats.startOffset, end: 300)) {
            try log.read(topic: "t", partition: 0, from: 0)
        }

        // Lag is clamped to what exists; the stored commit is left as it was.
        let lag = try #require(log.groupLag().first { $0.group == "g" })
        #expect(lag.committedOffset == 0)
        #expect(lag.lag == stats.endOffset - stats.startOffset)
        #expect(lag.lag < 300)

        // The member positioned at 0 skips to exactly the new start, then reads on densely.
        let batch = try await consumer.poll(maxRecords: 5, timeout: .seconds(1))
        #expect(batch.map(\.offset) == (stats.startOffset..<stats.startOffset + 5).map { $0 })
        #expect(batch.first.map(text) == "value-\(stats.startOffset)")
        consumer.close()

        // So does a new member that starts from the group's committed 0.
        let fresh = try log.consumer(group: "g", topics: ["t"])
        let first = try await fresh.poll(maxRecords: 1, timeout: .seconds(1))
        #expect(first.map(\.offset) == [stats.startOffset])
        try log.close()
    }
}

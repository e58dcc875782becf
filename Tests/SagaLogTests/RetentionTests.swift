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
        #expect(throws: SagaLogError.self) { try log.read(topic: "t", partition: 0, from: 0) }
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

    @Test func aConsumerBehindTheStartSkipsToItAndLagIsClamped() async throws {
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration.small(segmentBytes: 2048)
        configuration.retentionBytes = 3000
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        let consumer = try log.consumer(group: "g", topics: ["t"])
        try consumer.commit(offsets: [TopicPartition(topic: "t", partition: 0): 0])
        _ = try await log.appendRecords((0..<300).map { record("k", "value-\($0)") }, to: "t")
        try log.enforceRetention()
        let stats = log.topicStatistics()[0]
        let lag = try #require(log.groupLag().first)
        #expect(lag.lag == stats.endOffset - stats.startOffset)
        let batch = try await consumer.poll(maxRecords: 5, timeout: .seconds(1))
        #expect(batch.first?.offset == stats.startOffset)
        try log.close()
    }
}

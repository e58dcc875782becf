import Foundation
import MessageLog
import Testing
@testable import SagaLog

/// A segment file deleted behind the log's back: at the next open the records a group had
/// consumed past the new end are reported lost — and stay reported across restarts until an
/// operator acknowledges them, though the group's offset was pulled back at once.
@Suite struct LostRecordsTests {
    @Test func aDeletedActiveSegmentIsReportedUntilAcknowledged() async throws {
        let dir = TemporaryDirectory()
        let configuration = LogConfiguration.small(segmentBytes: 2048)
        var log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        _ = try await log.appendRecords((0..<200).map { record("k", "value-\($0)") }, to: "t")
        let consumer = try log.consumer(group: "g", topics: ["t"])
        try await consumer.commit(offsets: [TopicPartition(topic: "t", partition: 0): 200])
        consumer.close()
        #expect(log.lostRecords.isEmpty)
        try log.close()

        let segments = try segmentFiles(log, topic: "t", partition: 0)
        let active = try #require(segments.last)
        let activeBase = Int64(URL(fileURLWithPath: active).deletingPathExtension().lastPathComponent)!
        try FileManager.default.removeItem(atPath: active)
        try? FileManager.default.removeItem(atPath: active.replacingOccurrences(of: ".log", with: ".index"))

        log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        let lost = try #require(log.lostRecords.first)
        #expect(log.lostRecords.count == 1)
        #expect(lost.topic == "t" && lost.partition == 0 && lost.group == "g" && lost.from == activeBase && lost.upTo == 200)
        // The group reads on from the new end (what is appended there next), not past it.
        #expect(log.groupLag().first { $0.group == "g" }?.committedOffset == activeBase)
        try log.close()

        // A restart does not hide it (the evidence was repaired at the first open).
        log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        #expect(log.lostRecords == [lost])
        try log.acknowledgeLostRecords()
        #expect(log.lostRecords.isEmpty)
        try log.close()
        log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        #expect(log.lostRecords.isEmpty)
        try log.close()
    }
}

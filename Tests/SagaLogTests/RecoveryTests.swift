import Foundation
import Testing
@testable import SagaLog

@Suite struct RecoveryTests {
    /// Appends `count` records to a one-partition topic and "crashes" (no clean close).
    func crashedLog(_ dir: TemporaryDirectory, count: Int, configuration: LogConfiguration = .small(segmentBytes: 1 << 20))
        async throws -> (segment: String, frameStarts: [Int64], size: Int64)
    {
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        var starts: [Int64] = []
        for i in 0..<count {
            starts.append(log.topicStatistics()[0].bytes)
            _ = try await log.append(record("k", "record-\(i)"), to: "t")
        }
        let path = try segmentFiles(log, topic: "t", partition: 0).last!
        let size = log.topicStatistics()[0].bytes
        log.abandonWithoutClosing()
        return (path, starts, size)
    }

    @Test func truncatingTheLastRecordAtEveryBytePositionKeepsTheRest() async throws {
        let probe = TemporaryDirectory()
        let shape = try await crashedLog(probe, count: 5)
        let lastStart = shape.frameStarts.last!
        for cut in lastStart..<shape.size {
            let dir = TemporaryDirectory()
            let crashed = try await crashedLog(dir, count: 5)
            try FileHandle(forUpdating: URL(fileURLWithPath: crashed.segment)).truncate(atOffset: UInt64(cut))
            let log = try SagaLog.open(directory: dir.path, configuration: .small(segmentBytes: 1 << 20), logger: quietLogger)
            #expect(log.topicStatistics()[0].endOffset == 4, "cut at \(cut)")
            #expect(try readAll(log, topic: "t", partition: 0).map(text) == (0..<4).map { "record-\($0)" })
            let report = log.recoveryReports.first { $0.path == crashed.segment }
            #expect(report?.truncatedBytes == cut - lastStart, "cut at \(cut)")
            // The log carries on at the next dense offset.
            #expect(try await log.append(record("k", "after"), to: "t").offset == 4)
            #expect(try readAll(log, topic: "t", partition: 0).map(text).last == "after")
            try log.close()
        }
    }

    @Test func aFlippedByteInTheTailCutsTheLogAtThatRecord() async throws {
        let dir = TemporaryDirectory()
        let crashed = try await crashedLog(dir, count: 10)
        let target = crashed.frameStarts[7] + 30
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: crashed.segment))
        try file.seek(toOffset: UInt64(target))
        let byte = try file.read(upToCount: 1)![0]
        try file.seek(toOffset: UInt64(target))
        try file.write(contentsOf: Data([byte ^ 0x01]))
        try file.close()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(segmentBytes: 1 << 20), logger: quietLogger)
        #expect(try readAll(log, topic: "t", partition: 0).map(text) == (0..<7).map { "record-\($0)" })
        let report = try #require(log.recoveryReports.first { $0.path == crashed.segment })
        #expect(report.damage == "checksum mismatch")
        #expect(report.truncatedBytes == crashed.size - crashed.frameStarts[7])
        try log.close()
    }

    @Test func aDeletedOrDamagedIndexIsRebuilt() async throws {
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration.small(segmentBytes: 8192)
        configuration.indexIntervalBytes = 128
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        _ = try await log.appendRecords((0..<500).map { record("k", "value-\($0)") }, to: "t")
        try log.close()
        let indexes = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/t-0").filter { $0.hasSuffix(".index") }.sorted()
        #expect(indexes.count >= 3)
        let originalIndex = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/t-0/" + indexes[1]))
        try FileManager.default.removeItem(atPath: dir.path + "/t-0/" + indexes[1])
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir.path + "/t-0/" + indexes.last!))
        let reopened = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        #expect(try readAll(reopened, topic: "t", partition: 0).map(text) == (0..<500).map { "value-\($0)" })
        let middle = try reopened.read(topic: "t", partition: 0, from: 321, maxRecords: 1)
        #expect(middle.map(text) == ["value-321"])
        let rebuilt = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/t-0/" + indexes[1]))
        #expect(rebuilt == originalIndex)
        try reopened.close()
    }

    @Test func cleanCloseSkipsTheFullScanAndUncleanDoesIt() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(segmentBytes: 1 << 20), logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        _ = try await log.appendRecords((0..<300).map { record("k", "v\($0)") }, to: "t")
        try log.close()
        #expect(FileManager.default.fileExists(atPath: dir.path + "/.clean-shutdown"))
        let clean = try SagaLog.open(directory: dir.path, configuration: .small(segmentBytes: 1 << 20), logger: quietLogger)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/.clean-shutdown"))
        let cleanScan = clean.recoveryReports[0]
        #expect(cleanScan.scannedRecords < 300)
        #expect(!cleanScan.indexRebuilt)
        clean.abandonWithoutClosing()
        let unclean = try SagaLog.open(directory: dir.path, configuration: .small(segmentBytes: 1 << 20), logger: quietLogger)
        #expect(unclean.recoveryReports[0].scannedRecords == 300)
        #expect(unclean.topicStatistics()[0].endOffset == 300)
        try unclean.close()
    }

    @Test func garbageAfterTheLastRecordIsCut() async throws {
        let dir = TemporaryDirectory()
        let crashed = try await crashedLog(dir, count: 3)
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: crashed.segment))
        try file.seekToEnd()
        try file.write(contentsOf: Data(repeating: 0, count: 4096))
        try file.close()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(segmentBytes: 1 << 20), logger: quietLogger)
        #expect(log.topicStatistics()[0].endOffset == 3)
        #expect(log.topicStatistics()[0].bytes == crashed.size)
        try log.close()
    }

    @Test func damageInAClosedSegmentIsReportedOnReadNotCut() async throws {
        let dir = TemporaryDirectory()
        let configuration = LogConfiguration.small(segmentBytes: 2048)
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        _ = try await log.appendRecords((0..<200).map { record("k", "value-\($0)") }, to: "t")
        let first = try segmentFiles(log, topic: "t", partition: 0)[0]
        log.abandonWithoutClosing()
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: first))
        try file.seek(toOffset: 100)
        try file.write(contentsOf: Data([0xAB, 0xCD]))
        try file.close()
        try FileManager.default.removeItem(atPath: first.replacingOccurrences(of: ".log", with: ".index"))
        let reopened = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        #expect(reopened.topicStatistics()[0].endOffset == 200)
        // Frames of "value-0"..."value-9" are 44 bytes (36 + key 1 + value 7): byte 100 lies in
        // the third frame, which starts at byte 88.
        #expect(throws: SagaLogError.corruptSegment(path: first, position: 88, reason: "checksum mismatch")) {
            _ = try readAll(reopened, topic: "t", partition: 0)
        }
        // Records before the damage stay readable.
        #expect(try reopened.read(topic: "t", partition: 0, from: 0, maxRecords: 2).map(text) == ["value-0", "value-1"])
        // Later segments stay readable.
        #expect(try reopened.read(topic: "t", partition: 0, from: 150, maxRecords: 1).map(text) == ["value-150"])
        try reopened.close()
    }
}

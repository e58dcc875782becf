import Foundation
import MessageLog
import Testing
@testable import SagaLog

/// The scrub (`verify`) checks every record and index entry and names each damaged range by
/// offsets, segment file and byte; `skip` moves a group past such a range, on the record.
@Suite struct ScrubTests {
    /// A log with topics `t` and `u` of 200 small records each (frames of "value-0"…"value-9"
    /// are 44 bytes), in 2 KiB segments, left unclosed so its files can be damaged.
    static func damageableLog(_ dir: TemporaryDirectory) async throws -> (configuration: LogConfiguration, first: String) {
        let configuration = LogConfiguration.small(segmentBytes: 2048)
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        try log.createTopic("u", partitions: 1)
        _ = try await log.appendRecords((0..<200).map { record("k", "value-\($0)") }, to: "t")
        _ = try await log.appendRecords((0..<200).map { record("k", "other-\($0)") }, to: "u")
        let first = try segmentFiles(log, topic: "t", partition: 0)[0]
        try log.close()
        return (configuration, first)
    }

    static func overwrite(_ path: String, at position: UInt64, with bytes: [UInt8]) throws {
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        try file.seek(toOffset: position)
        try file.write(contentsOf: Data(bytes))
        try file.close()
    }

    @Test func aSoundLogVerifiesClean() async throws {
        let dir = TemporaryDirectory()
        let (configuration, _) = try await Self.damageableLog(dir)
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        defer { try? log.close() }
        let report = try log.verify()
        #expect(report.damaged == [])
        #expect(report.records == 400)
        #expect(report.segments == log.topicStatistics().reduce(0) { $0 + $1.segmentCount })
        #expect(try log.verify(topic: "t", partition: 0).records == 200)
        #expect(throws: SagaLogError.unknownTopic("nope")) { try log.verify(topic: "nope") }
    }

    @Test func aFlippedByteInAClosedSegmentIsNamedAsOneRecord() async throws {
        let dir = TemporaryDirectory()
        let (configuration, first) = try await Self.damageableLog(dir)
        try Self.overwrite(first, at: 100, with: [0xAB])  // inside the frame of offset 2 (bytes 88..<132)
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        defer { try? log.close() }
        let report = try log.verify()
        #expect(report.damaged.count == 1, "\(report.damaged)")
        let range = try #require(report.damaged.first)
        #expect(range.topic == "t" && range.partition == 0 && range.segment == first)
        #expect(range.fromOffset == 2 && range.toOffset == 3 && range.position == 88 && range.bytes == 44, "\(range)")
        #expect(report.records == 399)
        #expect(try log.verify(topic: "u").damaged.isEmpty)
        #expect(try log.verify(topic: "t", partition: 0).damaged == [range])
    }

    @Test func garbageOverSeveralFramesIsOneRangeUpToTheNextIntactRecord() async throws {
        let dir = TemporaryDirectory()
        let (configuration, first) = try await Self.damageableLog(dir)
        // From inside frame 1 (44..<88) to inside frame 4 (176..<220): frames 1-4 are hit.
        try Self.overwrite(first, at: 50, with: [UInt8](repeating: 0x5A, count: 140))
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        defer { try? log.close() }
        let range = try #require(try log.verify(topic: "t").damaged.first)
        #expect(range.fromOffset == 1 && range.toOffset == 5 && range.position == 44 && range.bytes == 176, "\(range)")
    }

    @Test func anIndexEntryThatMissesItsRecordIsNamed() async throws {
        let dir = TemporaryDirectory()
        let (configuration, first) = try await Self.damageableLog(dir)
        let index = first.replacingOccurrences(of: ".log", with: ".index")
        let entries = try Data(contentsOf: URL(fileURLWithPath: index))
        try #require(entries.count >= 8, "the closed segment has no index entry")
        // The first entry's position, off by one byte: reads from there would find no record.
        let position = entries[4..<8].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) } + 1
        try Self.overwrite(index, at: 4, with: withUnsafeBytes(of: position.littleEndian) { Array($0) })
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        defer { try? log.close() }
        let damaged = try log.verify(topic: "t").damaged
        #expect(damaged.count == 1 && damaged.first?.reason.contains("offset index") == true, "\(damaged)")
    }

    @Test func skippingADamagedRecordMovesOnlyThatGroupAndKeepsARecordOfIt() async throws {
        let dir = TemporaryDirectory()
        let (configuration, first) = try await Self.damageableLog(dir)
        try Self.overwrite(first, at: 100, with: [0xAB])
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        defer { try? log.close() }
        let consumer = try log.consumer(group: "g", topics: ["t"])
        var got: [Int64] = []
        for _ in 0..<3 {
            let batch = try await consumer.poll(maxRecords: 50, timeout: .milliseconds(100))
            got += batch.map(\.offset)
            try await consumer.commit(batch)
        }
        #expect(got == [0, 1])
        #expect(log.stalledReads.map(\.offset) == [2])
        #expect(throws: SagaLogError.groupHasMembers(group: "g", members: 1)) {
            try log.skip(group: "g", topic: "t", partition: 0, to: 3)
        }
        consumer.close()
        #expect(throws: SagaLogError.offsetOutOfRange(topic: "t", partition: 0, offset: 2, start: 3, end: 200)) {
            try log.skip(group: "g", topic: "t", partition: 0, to: 2)
        }
        let skipped = try log.skip(group: "g", topic: "t", partition: 0, to: 3)
        #expect(skipped.fromOffset == 2 && skipped.toOffset == 3 && skipped.group == "g")
        #expect(log.stalledReads.isEmpty)
        let kept = try JSONDecoder().decode([SkippedRecords].self, from: Data(contentsOf: URL(fileURLWithPath: dir.path + "/skipped-records.json")))
        #expect(kept == [skipped])

        let resumed = try log.consumer(group: "g", topics: ["t"])
        defer { resumed.close() }
        #expect(try await resumed.poll(maxRecords: 1, timeout: .seconds(1)).map(\.offset) == [3])
    }
}

import Foundation
import Testing
@testable import SagaLog

@Suite struct AppendReadTests {
    @Test func roundTripKeepsEveryField() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(), logger: quietLogger)
        try log.createTopic("orders", partitions: 3)
        let header = RecordHeader(name: "event-id", string: "abc")
        let position = try await log.append(
            ProducerRecord(key: "order-7", value: Array("hello".utf8), headers: [header], timestampMillis: 99), to: "orders")
        #expect(position.offset == 0)
        #expect(position.partition == KeyPartitioner.partition(for: Array("order-7".utf8), partitions: 3))
        let read = try log.read(topic: "orders", partition: position.partition, from: 0)
        #expect(read.count == 1)
        #expect(text(read[0]) == "hello")
        #expect(read[0].key == Array("order-7".utf8))
        #expect(read[0].headers == [header])
        #expect(read[0].timestampMillis == 99)
        #expect(read[0].topic == "orders")
        try log.close()
    }

    @Test func oneKeyAlwaysLandsInOnePartitionInOrder() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(), logger: quietLogger)
        try log.createTopic("t", partitions: 4)
        var partitions = Set<Int>()
        for i in 0..<20 { partitions.insert(try await log.append(record("same-key", "v\(i)"), to: "t").partition) }
        #expect(partitions.count == 1)
        let records = try readAll(log, topic: "t", partition: partitions.first!)
        #expect(records.map(text) == (0..<20).map { "v\($0)" })
        try log.close()
    }

    @Test func offsetsStayDenseAcrossSegmentRolls() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(segmentBytes: 2048), logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        for i in 0..<300 {
            let position = try await log.append(record("k", String(repeating: "x", count: i % 50) + "#\(i)"), to: "t")
            #expect(position.offset == Int64(i))
        }
        let files = try segmentFiles(log, topic: "t", partition: 0)
        #expect(files.count > 5)
        for file in files {
            let size = try FileManager.default.attributesOfItem(atPath: file)[.size] as! Int
            #expect(size <= 2048)
        }
        let records = try readAll(log, topic: "t", partition: 0)
        #expect(records.map(\.offset) == (0..<300).map(Int64.init))
        #expect(records.last.map(text) == String(repeating: "x", count: 299 % 50) + "#299")
        // File names carry the base offset, 20 digits.
        let bases = files.map { Int64(($0 as NSString).lastPathComponent.prefix(20))! }
        #expect(bases.first == 0)
        #expect(bases == bases.sorted())
        let stats = log.topicStatistics()[0]
        #expect(stats.segmentCount == files.count)
        #expect(stats.endOffset == 300)
        try log.close()
    }

    @Test func anOldActiveSegmentRollsAtTheNextAppend() async throws {
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration.small(segmentBytes: 1 << 20)
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        _ = try await log.append(record("k", "first"), to: "t")
        _ = try await log.append(record("k", "second"), to: "t")
        #expect(try segmentFiles(log, topic: "t", partition: 0).count == 1)
        try log.close()
        // Reopened with a short maximum age, the segment (first written above) is now too old.
        configuration.segmentMaxAge = .milliseconds(100)
        let reopened = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try await Task.sleep(for: .milliseconds(150))
        #expect(try await reopened.append(record("k", "third"), to: "t").offset == 2)
        let files = try segmentFiles(reopened, topic: "t", partition: 0)
        #expect(files.count == 2)
        #expect(files.last!.hasSuffix("00000000000000000002.log"))
        #expect(try readAll(reopened, topic: "t", partition: 0).map(text) == ["first", "second", "third"])
        try reopened.close()
    }

    @Test func readFromTheMiddleStartsAtTheIndexEntry() async throws {
        let dir = TemporaryDirectory()
        var configuration = LogConfiguration.small(segmentBytes: 1 << 20)
        configuration.indexIntervalBytes = 512
        let log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        _ = try await log.appendRecords((0..<2000).map { record("k", "value-\($0)") }, to: "t")
        let segment = try log.partition(TopicPartition(topic: "t", partition: 0)).activeSegment
        let entries = segment.snapshotIndex.entries
        #expect(entries.count > 50)
        // Damage the first bytes of the file: a read from the middle must not scan from the start.
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: segment.logPath))
        try file.seek(toOffset: 10)
        try file.write(contentsOf: Data(repeating: 0xFF, count: 16))
        try file.close()
        let middle = try log.read(topic: "t", partition: 0, from: 1234, maxRecords: 3)
        #expect(middle.map(text) == ["value-1234", "value-1235", "value-1236"])
        // A read that does reach the damaged first frame names the file, the byte and the cause.
        #expect(throws: SagaLogError.corruptSegment(path: segment.logPath, position: 0, reason: "checksum mismatch")) {
            try log.read(topic: "t", partition: 0, from: 0, maxRecords: 1)
        }
        try log.close()
    }

    @Test func rolledSegmentsKeepTheirIndexOnDiskAndReadsStillSeekIt() async throws {
        let dir = TemporaryDirectory()
        let configuration = LogConfiguration.small(segmentBytes: 16 * 1024)
        var log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        _ = try await log.appendRecords((0..<1500).map { record("k", "value-\($0)") }, to: "t")
        for reopen in [false, true] {
            if reopen {
                try log.close()
                log = try SagaLog.open(directory: dir.path, configuration: configuration, logger: quietLogger)
            }
            let segments = try log.partition(TopicPartition(topic: "t", partition: 0)).segmentsSnapshot
            #expect(segments.count > 3)
            for segment in segments.dropLast() {
                #expect(segment.entriesInMemory == 0)
                #expect(segment.snapshotIndex.entries.count > 10)
            }
            #expect(segments.last!.entriesInMemory > 0)
            for offset in stride(from: 0, to: 1500, by: 7) {
                let read = try log.read(topic: "t", partition: 0, from: Int64(offset), maxRecords: 2)
                #expect(read.map(text) == ["value-\(offset)", "value-\(offset + 1)"])
            }
        }
        try log.close()
    }

    @Test func aSealedIndexDamagedAfterOpenMakesReadsScanFromTheSegmentStart() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(
            directory: dir.path, configuration: .small(segmentBytes: 16 * 1024), logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        _ = try await log.appendRecords((0..<600).map { record("k", "value-\($0)") }, to: "t")
        let sealed = try log.partition(TopicPartition(topic: "t", partition: 0)).segmentsSnapshot.first!
        let entries = sealed.snapshotIndex.entries
        #expect(entries.count > 10)
        // Every entry now names the record before the one at its position: a read of that
        // record that trusted the entry would start one record late.
        let shifted = OffsetIndex.decode(
            entries.flatMap { entry -> [UInt8] in
                withUnsafeBytes(of: (entry.relativeOffset - 1).littleEndian, Array.init)
                    + withUnsafeBytes(of: entry.position.littleEndian, Array.init)
            },
            baseOffset: sealed.baseOffset, logSize: sealed.size)!
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: sealed.indexPath))
        try file.write(contentsOf: Data(shifted.encoded()))
        try file.close()
        let within = Int(sealed.nextOffset - sealed.baseOffset)
        for offset in 0..<within {
            let read = try log.read(topic: "t", partition: 0, from: sealed.baseOffset + Int64(offset), maxRecords: 1)
            #expect(read.map(text) == ["value-\(offset)"])
        }
        try log.close()
    }

    @Test func concurrentAppendersLoseAndDuplicateNothing() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(segmentBytes: 64 * 1024), logger: quietLogger)
        try log.createTopic("t", partitions: 4)
        let positions = try await withThrowingTaskGroup(of: [RecordPosition].self) { group in
            for task in 0..<64 {
                group.addTask {
                    var mine: [RecordPosition] = []
                    for i in 0..<50 { mine.append(try await log.append(record("key-\(task)-\(i % 7)", "\(task):\(i)"), to: "t")) }
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(positions.count == 3200)
        #expect(Set(positions).count == 3200)
        var values: [String] = []
        for partition in 0..<4 {
            let records = try readAll(log, topic: "t", partition: partition)
            #expect(records.map(\.offset) == (0..<Int64(records.count)).map { $0 })
            values += records.map(text)
        }
        #expect(values.count == 3200)
        #expect(Set(values) == Set((0..<64).flatMap { task in (0..<50).map { "\(task):\($0)" } }))
        // Per key, order is the order each task appended in.
        let first = try readAll(log, topic: "t", partition: positions[0].partition)
        let byTaskZero = first.map(text).filter { $0.hasPrefix("0:") }
        #expect(byTaskZero == byTaskZero.sorted { Int($0.dropFirst(2))! < Int($1.dropFirst(2))! })
        try log.close()
    }

    @Test func typedErrorsForUnknownTopicOutOfRangeAndOversizedRecords() async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(), logger: quietLogger)
        try log.createTopic("t", partitions: 2)
        await #expect(throws: SagaLogError.unknownTopic("nope")) { try await log.append(record("k", "v"), to: "nope") }
        #expect(throws: SagaLogError.offsetOutOfRange(topic: "t", partition: 0, offset: 5, start: 0, end: 0)) {
            try log.read(topic: "t", partition: 0, from: 5)
        }
        #expect(throws: SagaLogError.unknownPartition(topic: "t", partition: 9)) { try log.read(topic: "t", partition: 9, from: 0) }
        #expect(throws: SagaLogError.invalidTopicName("bad/name")) { try log.createTopic("bad/name", partitions: 1) }
        #expect(throws: SagaLogError.topicAlreadyExists("t", partitions: 2)) { try log.createTopic("t", partitions: 3) }
        try log.createTopic("t", partitions: 2)
        // A frame is 36 bytes plus key and value; `.small()` allows 4096 - 64 bytes.
        await #expect(throws: SagaLogError.recordTooLarge(bytes: 36 + 5000, limit: 4032)) {
            try await log.append(ProducerRecord(key: [], value: [UInt8](repeating: 1, count: 5000)), to: "t")
        }
        // Refused whole: not even the small record of the same call went in.
        await #expect(throws: SagaLogError.recordTooLarge(bytes: 36 + 5000, limit: 4032)) {
            try await log.appendRecords([record("k", "small"), ProducerRecord(key: [], value: [UInt8](repeating: 1, count: 5000))], to: "t")
        }
        #expect(log.topicStatistics().allSatisfy { $0.endOffset == 0 && $0.bytes == 0 })
        try log.close()
        await #expect(throws: SagaLogError.logClosed) { try await log.append(record("k", "v"), to: "t") }
    }

    @Test func secondOpenOfTheSameDirectoryIsRefused() throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(), logger: quietLogger)
        #expect(throws: SagaLogError.locked(path: dir.path + "/.lock")) {
            _ = try SagaLog.open(directory: dir.path, configuration: .small(), logger: quietLogger)
        }
        try log.close()
        let again = try SagaLog.open(directory: dir.path, configuration: .small(), logger: quietLogger)
        try again.close()
    }

    @Test(arguments: [DurabilityPolicy.always, .interval(milliseconds: 5), .never])
    func everyPolicyAppendsAndReadsBack(policy: DurabilityPolicy) async throws {
        let dir = TemporaryDirectory()
        let log = try SagaLog.open(directory: dir.path, configuration: .small(durability: policy), logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        _ = try await log.appendRecords((0..<100).map { record("k", "\($0)") }, to: "t")
        try log.close()
        let reopened = try SagaLog.open(directory: dir.path, configuration: .small(durability: policy), logger: quietLogger)
        #expect(try readAll(reopened, topic: "t", partition: 0).map(text) == (0..<100).map { "\($0)" })
        try reopened.close()
    }
}

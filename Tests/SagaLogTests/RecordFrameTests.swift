import CCRC32C
import Testing
@testable import SagaLog

@Suite struct RecordFrameTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        let bytes = Array("123456789".utf8)
        #expect(saga_crc32c_extend(0, bytes, bytes.count) == 0xE306_9283)
        let split = saga_crc32c_extend(saga_crc32c_extend(0, bytes, 4), Array(bytes[4...]), 5)
        #expect(split == 0xE306_9283)
    }

    @Test func frameRoundTripsKeyValueHeadersOffsetAndTimestamp() throws {
        let original = ProducerRecord(
            key: "order-1", value: Array("payload".utf8),
            headers: [RecordHeader(name: "event-id", string: "e1"), RecordHeader(name: "empty", value: [])])
        var buffer: [UInt8] = []
        RecordFrame.encode(original, timestampMillis: 1234, into: &buffer)
        #expect(buffer.count == RecordFrame.encodedLength(of: original))
        buffer.withUnsafeMutableBytes { RecordFrame.seal($0, frameAt: 0, offset: 42) }
        let decoded = try buffer.withUnsafeBytes { raw -> LogRecord in
            guard case .frame(let offset, let timestamp, let length) = RecordFrame.scan(raw, at: 0, maxFrameLength: 1 << 20)
            else { throw SagaLogError.logClosed }
            #expect(offset == 42)
            #expect(timestamp == 1234)
            return try RecordFrame.decode(raw, at: 0, length: length, topic: "t", partition: 3)
        }
        #expect(decoded.key == original.key)
        #expect(decoded.value == original.value)
        #expect(decoded.headers == original.headers)
        #expect(decoded.header("event-id") == "e1")
        #expect(decoded.partition == 3)
    }

    @Test func everySingleByteFlipIsDetected() {
        var buffer: [UInt8] = []
        RecordFrame.encode(record("k", "value"), timestampMillis: 1, into: &buffer)
        buffer.withUnsafeMutableBytes { RecordFrame.seal($0, frameAt: 0, offset: 7) }
        for position in 0..<buffer.count {
            var damaged = buffer
            damaged[position] ^= 0x10
            let outcome = damaged.withUnsafeBytes { RecordFrame.scan($0, at: 0, maxFrameLength: 1 << 20) }
            if case .frame = outcome { Issue.record("flip at byte \(position) went unnoticed") }
        }
    }

    @Test func shortBufferIsIncompleteNotInvalid() {
        var buffer: [UInt8] = []
        RecordFrame.encode(record("k", "value"), timestampMillis: 1, into: &buffer)
        buffer.withUnsafeMutableBytes { RecordFrame.seal($0, frameAt: 0, offset: 0) }
        let outcome = Array(buffer.prefix(20)).withUnsafeBytes { RecordFrame.scan($0, at: 0, maxFrameLength: 1 << 20) }
        guard case .incomplete(let needed) = outcome else {
            Issue.record("expected incomplete, got \(outcome)")
            return
        }
        #expect(needed == buffer.count)
    }

    @Test func offsetIndexFindsTheFloorEntry() {
        var index = OffsetIndex(baseOffset: 100)
        index.append(offset: 110, position: 4000)
        index.append(offset: 125, position: 8100)
        #expect(index.floor(of: 100) == (100, 0))
        #expect(index.floor(of: 109) == (100, 0))
        #expect(index.floor(of: 110) == (110, 4000))
        #expect(index.floor(of: 124) == (110, 4000))
        #expect(index.floor(of: 900) == (125, 8100))
        let decoded = OffsetIndex.decode(index.encoded(), baseOffset: 100, logSize: 9000)
        #expect(decoded?.entries == index.entries)
        #expect(OffsetIndex.decode(index.encoded(), baseOffset: 100, logSize: 8000) == nil)
        #expect(OffsetIndex.decode(Array(index.encoded().dropLast()), baseOffset: 100, logSize: 9000) == nil)
    }

    @Test func keyPartitioningIsStable() {
        #expect(KeyPartitioner.partition(for: Array("order-1".utf8), partitions: 8)
            == KeyPartitioner.partition(for: Array("order-1".utf8), partitions: 8))
        // Pinned values: changing the hash would reorder existing data.
        #expect(KeyPartitioner.partition(for: [], partitions: 1000) == Int(0xcbf2_9ce4_8422_2325 % UInt64(1000)))
        let spread = Set((0..<200).map { KeyPartitioner.partition(for: Array("k\($0)".utf8), partitions: 8) })
        #expect(spread.count == 8)
    }

    @Test func durabilityPolicyParses() {
        #expect(DurabilityPolicy(parsing: "always") == .always)
        #expect(DurabilityPolicy(parsing: "never") == .never)
        #expect(DurabilityPolicy(parsing: "interval:250") == .interval(milliseconds: 250))
        #expect(DurabilityPolicy(parsing: "interval:0") == nil)
        #expect(DurabilityPolicy(parsing: "sometimes") == nil)
    }
}

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

    /// More known answers (RFC 3720 appendix B.4, and buffers computed bit by bit in Python)
    /// whose lengths cover the hardware path's 8-byte steps alone, its byte tail alone, and both.
    @Test func crc32cMatchesRFC3720Vectors() {
        let vectors: [([UInt8], UInt32)] = [
            ([UInt8](repeating: 0, count: 32), 0x8A91_36AA),
            ([UInt8](repeating: 0xFF, count: 32), 0x62A8_AB43),
            ((0..<32).map { UInt8($0) }, 0x46DD_794E),
            ((0..<1000).map { UInt8($0 % 251) }, 0x11F6_6220),
            ((0..<1003).map { UInt8($0 % 251) }, 0x0830_8918),
            (Array("a".utf8), 0xC1D0_4330),
            ([], 0),
        ]
        for (bytes, crc) in vectors {
            #expect(saga_crc32c_extend(0, bytes, bytes.count) == crc, "\(bytes.count) bytes")
        }
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
        let spread = Set((0..<200).map { KeyPartitioner.partition(for: Array("k\($0)".utf8), partitions: 8) })
        #expect(spread.count == 8)
    }

    /// The key hash is part of the on-disk contract: changing it would send a key's new records
    /// to another partition than its old ones and break their order. The values were computed
    /// apart from this code (Python, FNV-1a 64: xor the byte, then multiply by 0x100000001b3);
    /// "a" and "foobar" are the published FNV-1a 64 test vectors. 32-bit FNV or FNV-1
    /// (multiply first) give other values for every non-empty key.
    @Test func keyHashIsPinnedToFNV1a64() {
        let pinned: [([UInt8], UInt64)] = [
            ([], 0xcbf2_9ce4_8422_2325),
            (Array("a".utf8), 0xaf63_dc4c_8601_ec8c),
            (Array("foobar".utf8), 0x8594_4171_f739_67e8),
            (Array("order-1".utf8), 0xdee4_809f_34be_e86d),
            (Array("order-42".utf8), 0x7d1d_eb86_a056_62d4),
            (Array("customer-7".utf8), 0x6603_08ab_83c6_fdf1),
            ([0xFF, 0x00, 0x80], 0xf920_891b_e415_651e),
        ]
        for (key, hash) in pinned {
            #expect(KeyPartitioner.hash(key) == hash, "key \(key)")
        }
    }

    /// Which partition given keys land on, for the partition counts in use (8 is sagad's
    /// default): the partition is the hash modulo the count.
    @Test func keyPartitionsArePinned() {
        let pinned: [(String, [Int: Int])] = [
            ("a", [3: 1, 4: 0, 8: 4, 16: 12]),
            ("foobar", [3: 0, 4: 0, 8: 0, 16: 8]),
            ("order-1", [3: 0, 4: 1, 8: 5, 16: 13]),
            ("order-42", [3: 2, 4: 0, 8: 4, 16: 4]),
            ("customer-7", [3: 0, 4: 1, 8: 1, 16: 1]),
        ]
        for (key, byCount) in pinned {
            for (count, partition) in byCount {
                #expect(KeyPartitioner.partition(for: Array(key.utf8), partitions: count) == partition, "\(key) of \(count)")
            }
        }
        #expect(KeyPartitioner.partition(for: [], partitions: 1000) == 37)
        #expect(KeyPartitioner.partition(for: Array("anything".utf8), partitions: 1) == 0)
    }

    @Test func durabilityPolicyParses() {
        #expect(DurabilityPolicy(parsing: "always") == .always)
        #expect(DurabilityPolicy(parsing: "never") == .never)
        #expect(DurabilityPolicy(parsing: "interval:250") == .interval(milliseconds: 250))
        #expect(DurabilityPolicy(parsing: "interval:0") == nil)
        #expect(DurabilityPolicy(parsing: "sometimes") == nil)
    }
}

import CCRC32C

/// The on-disk framing of one record. All integers are little-endian.
///
/// ```
/// 0  u32 frameLength   whole frame, this field included
/// 4  u32 crc32c        CRC-32C of bytes [8, frameLength)
/// 8  u8  magic (1)     u8 attributes (0)
/// 10 i64 offset        i64 timestamp (ms since the Unix epoch)
/// 26 u32 keyLength, key, u16 headerCount, { u16 nameLength, name, u32 valueLength, value }…,
///    u32 valueLength, value
/// ```
/// The length and CRC sit outside the checksummed region so a scanner can skip ahead; a zero
/// length (preallocated or torn space) ends a scan.
enum RecordFrame {
    static let magic: UInt8 = 1

    // Where each fixed field starts, from the frame's first byte (see the layout above).
    static let lengthField = 0
    static let lengthFieldSize = 4
    static let crcField = 4
    static let magicField = 8
    static let offsetField = 10
    static let timestampField = 18
    /// Bytes before the key: length, CRC, magic, attributes, offset and timestamp.
    static let fixedFieldsLength = 26
    /// The CRC covers the frame from the magic byte to its end.
    static let crcStart = magicField
    /// A frame with an empty key, no headers and an empty value: the fixed fields, the key
    /// length (u32), the header count (u16) and the value length (u32).
    static let minimumLength = fixedFieldsLength + 4 + 2 + 4
    /// Per record header, besides its name and value: u16 name length and u32 value length.
    static let headerOverhead = 2 + 4

    /// Appends `record` to `buffer` with offset and CRC left as zero: the writer fills them in
    /// with `seal` once it knows the offset. Callers reserve capacity for a whole batch first
    /// (reserving per record would reallocate to the exact size every time).
    static func encode(_ record: ProducerRecord, timestampMillis: Int64, into buffer: inout [UInt8]) {
        let start = buffer.count
        appendInteger(UInt32(0), to: &buffer)
        appendInteger(UInt32(0), to: &buffer)
        buffer.append(magic)
        buffer.append(0)
        appendInteger(Int64(0), to: &buffer)
        appendInteger(timestampMillis, to: &buffer)
        appendInteger(UInt32(record.key.count), to: &buffer)
        buffer.append(contentsOf: record.key)
        appendInteger(UInt16(record.headers.count), to: &buffer)
        for header in record.headers {
            let name = Array(header.name.utf8)
            appendInteger(UInt16(name.count), to: &buffer)
            buffer.append(contentsOf: name)
            appendInteger(UInt32(header.value.count), to: &buffer)
            buffer.append(contentsOf: header.value)
        }
        appendInteger(UInt32(record.value.count), to: &buffer)
        buffer.append(contentsOf: record.value)
        let length = UInt32(buffer.count - start)
        buffer.withUnsafeMutableBytes { $0.storeBytes(of: length.littleEndian, toByteOffset: start, as: UInt32.self) }
    }

    static func encodedLength(of record: ProducerRecord) -> Int {
        var total = minimumLength + record.key.count + record.value.count
        for header in record.headers { total += headerOverhead + header.name.utf8.count + header.value.count }
        return total
    }

    /// Writes `offset` into the frame starting at `start` and computes its CRC.
    static func seal(_ bytes: UnsafeMutableRawBufferPointer, frameAt start: Int, offset: Int64) {
        bytes.storeBytes(of: offset.littleEndian, toByteOffset: start + offsetField, as: Int64.self)
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: start + lengthField, as: UInt32.self)))
        let crc = saga_crc32c_extend(0, bytes.baseAddress! + start + crcStart, length - crcStart)
        bytes.storeBytes(of: crc.littleEndian, toByteOffset: start + crcField, as: UInt32.self)
    }

    /// The outcome of looking at the bytes at one position.
    enum Scan {
        /// A valid frame of `length` bytes.
        case frame(offset: Int64, timestampMillis: Int64, length: Int)
        /// The buffer ends inside the frame; `needed` bytes from the frame's start are required.
        case incomplete(needed: Int)
        /// Not a valid frame: a torn write, zeroed space, or damage.
        case invalid(reason: String)
    }

    /// The length a frame at `position` declares, if it is plausible: lets a reader step over a
    /// frame that fails its checksum (the length sits outside the checksummed region), to reach
    /// intact frames behind it.
    static func declaredLength(_ bytes: UnsafeRawBufferPointer, at position: Int, maxFrameLength: Int) -> Int? {
        guard bytes.count - position >= lengthFieldSize else { return nil }
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position + lengthField, as: UInt32.self)))
        guard length >= minimumLength, length <= maxFrameLength else { return nil }
        return length
    }

    /// Checks the frame at `position` (length, magic, CRC) without copying its payload.
    static func scan(_ bytes: UnsafeRawBufferPointer, at position: Int, maxFrameLength: Int) -> Scan {
        let available = bytes.count - position
        guard available >= lengthFieldSize else { return .incomplete(needed: minimumLength) }
        let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position + lengthField, as: UInt32.self)))
        if length == 0 { return .invalid(reason: "zero length") }
        guard length >= minimumLength, length <= maxFrameLength else {
            return .invalid(reason: "implausible length \(length)")
        }
        guard available >= length else { return .incomplete(needed: length) }
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position + crcField, as: UInt32.self))
        let actual = saga_crc32c_extend(0, bytes.baseAddress! + position + crcStart, length - crcStart)
        guard stored == actual else { return .invalid(reason: "checksum mismatch") }
        guard bytes[position + magicField] == magic else {
            return .invalid(reason: "unknown magic \(bytes[position + magicField])")
        }
        let offset = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: position + offsetField, as: Int64.self))
        let timestamp = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: position + timestampField, as: Int64.self))
        return .frame(offset: offset, timestampMillis: timestamp, length: length)
    }

    /// Decodes the payload of a frame that `scan` accepted.
    static func decode(
        _ bytes: UnsafeRawBufferPointer, at position: Int, length: Int, topic: String, partition: Int
    ) throws -> LogRecord {
        var cursor = position + fixedFieldsLength
        let end = position + length
        func take(_ count: Int) throws -> Range<Int> {
            guard count >= 0, cursor + count <= end else { throw FrameError.fieldOverrun }
            defer { cursor += count }
            return cursor..<(cursor + count)
        }
        func u32() throws -> Int {
            let range = try take(MemoryLayout<UInt32>.size)
            return Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt32.self)))
        }
        func u16() throws -> Int {
            let range = try take(MemoryLayout<UInt16>.size)
            return Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: range.lowerBound, as: UInt16.self)))
        }
        let offset = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: position + offsetField, as: Int64.self))
        let timestamp = Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: position + timestampField, as: Int64.self))
        let key = Array(bytes[try take(try u32())])
        let headerCount = try u16()
        var headers: [RecordHeader] = []
        headers.reserveCapacity(headerCount)
        for _ in 0..<headerCount {
            let name = String(decoding: bytes[try take(try u16())], as: UTF8.self)
            let value = Array(bytes[try take(try u32())])
            headers.append(RecordHeader(name: name, value: value))
        }
        let value = Array(bytes[try take(try u32())])
        guard cursor == end else { throw FrameError.trailingBytes }
        return LogRecord(
            topic: topic, partition: partition, offset: offset, timestampMillis: timestamp,
            key: key, value: value, headers: headers)
    }

    enum FrameError: Error {
        case fieldOverrun
        case trailingBytes
    }

    private static func appendInteger<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }
}

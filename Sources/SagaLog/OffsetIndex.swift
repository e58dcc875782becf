/// A segment's sparse offset index: one (relative offset, file position) entry for roughly
/// every `indexIntervalBytes` of records, so a read seeks near its offset instead of scanning.
///
/// The index is derived from the data file and never synced: recovery validates it and
/// rebuilds it from the records when it is missing, torn or inconsistent.
struct OffsetIndex: Sendable {
    struct Entry: Sendable, Equatable {
        var relativeOffset: UInt32
        var position: UInt32
    }

    static let entrySize = 8

    let baseOffset: Int64
    private(set) var entries: [Entry] = []

    init(baseOffset: Int64) {
        self.baseOffset = baseOffset
    }

    var lastEntry: Entry? { entries.last }

    mutating func append(offset: Int64, position: Int64) {
        entries.append(Entry(relativeOffset: UInt32(offset - baseOffset), position: UInt32(position)))
    }

    /// The indexed (offset, position) at or before `offset`, or the segment start.
    func floor(of offset: Int64) -> (offset: Int64, position: Int64) {
        let target = offset - baseOffset
        var low = 0
        var high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if Int64(entries[mid].relativeOffset) <= target { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return (baseOffset, 0) }
        let entry = entries[low - 1]
        return (baseOffset + Int64(entry.relativeOffset), Int64(entry.position))
    }

    /// Drops entries whose position is at or past `size` (after a truncation).
    mutating func truncate(toFileSize size: Int64) {
        while let last = entries.last, Int64(last.position) >= size { entries.removeLast() }
    }

    /// Encoded bytes of entries `from..<count`.
    func encoded(from first: Int = 0) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity((entries.count - first) * Self.entrySize)
        for entry in entries[first...] {
            withUnsafeBytes(of: entry.relativeOffset.littleEndian) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: entry.position.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Parses an index file's bytes; `nil` when they cannot be a valid index for a data file of
    /// `logSize` bytes (wrong length, entries out of order, positions past the end).
    static func decode(_ bytes: [UInt8], baseOffset: Int64, logSize: Int64) -> OffsetIndex? {
        guard bytes.count % entrySize == 0 else { return nil }
        var index = OffsetIndex(baseOffset: baseOffset)
        index.entries.reserveCapacity(bytes.count / entrySize)
        var valid = true
        bytes.withUnsafeBytes { raw in
            var previous: Entry? = nil
            for start in stride(from: 0, to: raw.count, by: entrySize) {
                let entry = Entry(
                    relativeOffset: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start, as: UInt32.self)),
                    position: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4, as: UInt32.self)))
                if let previous, entry.relativeOffset <= previous.relativeOffset || entry.position <= previous.position {
                    valid = false
                    return
                }
                if Int64(entry.position) >= logSize {
                    valid = false
                    return
                }
                index.entries.append(entry)
                previous = entry
            }
        }
        return valid ? index : nil
    }
}

extension OffsetIndex {
    /// The entry at or before `offset` in an index file of `entryCount` entries, found by a
    /// binary search that reads one entry per step (a sealed segment keeps its index on disk, not
    /// in memory). Nil when the file cannot be read or an entry cannot belong to a data file of
    /// `logSize` bytes; the caller then reads from the segment start.
    static func floor(
        of offset: Int64, baseOffset: Int64, in file: SystemFile, entryCount: Int, logSize: Int64
    ) -> (offset: Int64, position: Int64)? {
        let target = offset - baseOffset
        var low = 0
        var high = entryCount
        var found: Entry? = nil
        var buffer = [UInt8](repeating: 0, count: entrySize)
        while low < high {
            let mid = (low + high) / 2
            let read = try? buffer.withUnsafeMutableBytes { raw in
                try file.read(into: raw, at: Int64(mid * entrySize))
            }
            guard read == entrySize else { return nil }
            let entry = buffer.withUnsafeBytes { raw in
                Entry(relativeOffset: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)),
                      position: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)))
            }
            guard Int64(entry.position) < logSize else { return nil }
            if Int64(entry.relativeOffset) <= target {
                found = entry
                low = mid + 1
            } else {
                high = mid
            }
        }
        guard let found else { return (baseOffset, 0) }
        return (baseOffset + Int64(found.relativeOffset), Int64(found.position))
    }
}

import Synchronization

/// One segment of a partition: `<base>.log` holding frames for offsets from `baseOffset` on,
/// and `<base>.index`, its sparse offset index. Only the partition's writer appends; readers
/// read concurrently from a snapshot of the size.
final class Segment: Sendable {
    let baseOffset: Int64
    let logPath: String
    let indexPath: String
    let logFile: SystemFile
    private let indexFile: SystemFile
    private let indexIntervalBytes: Int
    private let state: Mutex<State>

    struct State: Sendable {
        /// The index while the segment takes appends; empty once it is sealed.
        var index: OffsetIndex
        /// Entries in the index file of a sealed segment, whose reads look them up there: a
        /// million orders' worth of closed segments kept ~4 MB of entries (and their arrays'
        /// spare capacity) in memory otherwise, growing with the history kept.
        var sealedIndexEntries: Int?
        /// Bytes of whole frames in the data file.
        var size: Int64
        /// The offset the next appended record gets.
        var nextOffset: Int64
        var bytesSinceIndexEntry: Int
        /// Index entries already written to the index file.
        var persistedIndexEntries: Int
        /// When the first record went in (ms since epoch), for rolling by age.
        var firstAppendMillis: Int64?
    }

    static func fileName(baseOffset: Int64, suffix: String) -> String {
        let digits = String(baseOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + "." + suffix
    }

    init(directory: String, baseOffset: Int64, index: OffsetIndex, size: Int64, nextOffset: Int64,
         firstAppendMillis: Int64?, indexIntervalBytes: Int, persistedIndexEntries: Int) throws {
        self.baseOffset = baseOffset
        self.logPath = directory + "/" + Self.fileName(baseOffset: baseOffset, suffix: "log")
        self.indexPath = directory + "/" + Self.fileName(baseOffset: baseOffset, suffix: "index")
        self.logFile = try SystemFile.open(logPath, create: true)
        self.indexFile = try SystemFile.open(indexPath, create: true)
        self.indexIntervalBytes = indexIntervalBytes
        let sinceEntry = Int(size - Int64(index.lastEntry?.position ?? 0))
        self.state = Mutex(State(
            index: index, size: size, nextOffset: nextOffset, bytesSinceIndexEntry: sinceEntry,
            persistedIndexEntries: persistedIndexEntries, firstAppendMillis: firstAppendMillis))
    }

    /// A new, empty segment; its files are created (and the directory synced by the caller).
    static func create(directory: String, baseOffset: Int64, indexIntervalBytes: Int) throws -> Segment {
        let segment = try Segment(
            directory: directory, baseOffset: baseOffset, index: OffsetIndex(baseOffset: baseOffset), size: 0,
            nextOffset: baseOffset, firstAppendMillis: nil, indexIntervalBytes: indexIntervalBytes,
            persistedIndexEntries: 0)
        try segment.logFile.truncate(to: 0)
        try segment.indexFile.truncate(to: 0)
        return segment
    }

    /// The whole index; a sealed segment's is read from its file (empty when that is damaged).
    var snapshotIndex: OffsetIndex {
        let (index, sealed, size) = state.withLock { ($0.index, $0.sealedIndexEntries, $0.size) }
        guard sealed != nil else { return index }
        let bytes = (try? FileSystem.readAll(indexPath)) ?? []
        return OffsetIndex.decode(bytes, baseOffset: baseOffset, logSize: size) ?? OffsetIndex(baseOffset: baseOffset)
    }

    /// Index entries held in memory (none once sealed).
    var entriesInMemory: Int { state.withLock { $0.index.entries.count } }
    var size: Int64 { state.withLock { $0.size } }
    var nextOffset: Int64 { state.withLock { $0.nextOffset } }
    var firstAppendMillis: Int64? { state.withLock { $0.firstAppendMillis } }

    // MARK: Writing (the partition's writer only)

    /// Writes sealed frames; `frameStarts` are their positions within `bytes` and `firstOffset`
    /// the offset of the first one. On failure the file is cut back so nothing partial remains.
    func append(_ bytes: UnsafeRawBufferPointer, frameStarts: [Int], firstOffset: Int64) throws {
        let start = state.withLock { $0.size }
        do {
            try logFile.write(bytes, at: start)
        } catch {
            try? logFile.truncate(to: start)
            throw error
        }
        let newIndexBytes: (bytes: [UInt8], at: Int64)? = state.withLock { state in
            var offset = firstOffset
            for (i, frameStart) in frameStarts.enumerated() {
                let frameEnd = i + 1 < frameStarts.count ? frameStarts[i + 1] : bytes.count
                if state.bytesSinceIndexEntry >= indexIntervalBytes {
                    state.index.append(offset: offset, position: start + Int64(frameStart))
                    state.bytesSinceIndexEntry = 0
                }
                state.bytesSinceIndexEntry += frameEnd - frameStart
                offset += 1
            }
            state.size = start + Int64(bytes.count)
            state.nextOffset = offset
            if state.firstAppendMillis == nil { state.firstAppendMillis = currentTimeMillis() }
            let persisted = state.persistedIndexEntries
            guard state.index.entries.count > persisted else { return nil }
            state.persistedIndexEntries = state.index.entries.count
            return (state.index.encoded(from: persisted), Int64(persisted * OffsetIndex.entrySize))
        }
        if let newIndexBytes {
            // The index is derived data: a failed write here is repaired by recovery.
            try? newIndexBytes.bytes.withUnsafeBytes { (raw) in
                try indexFile.write(raw, at: newIndexBytes.at)
            }
        }
    }

    func sync() throws { try logFile.sync() }

    /// Rewrites the whole index file from memory (after recovery rebuilt it).
    func persistIndex() throws {
        let bytes = state.withLock { state in
            state.persistedIndexEntries = state.index.entries.count
            return state.index.encoded()
        }
        try indexFile.truncate(to: 0)
        try bytes.withUnsafeBytes { (raw) in try indexFile.write(raw, at: 0) }
    }

    /// Moves the index out of memory once the segment takes no more appends (it rolled, or
    /// it was found closed on open). The file is rewritten first when it does not hold exactly
    /// the entries in memory (an index write may have failed); if that fails too, the index stays
    /// in memory.
    func seal() {
        let (count, sealed) = state.withLock { ($0.index.entries.count, $0.sealedIndexEntries != nil) }
        guard !sealed else { return }
        if (try? indexFile.size()) != Int64(count * OffsetIndex.entrySize) {
            do { try persistIndex() } catch { return }
        }
        state.withLock { state in
            state.sealedIndexEntries = count
            state.index = OffsetIndex(baseOffset: baseOffset)
        }
    }

    // MARK: Reading

    /// Reads records with offsets in `from..<endOffset`, at most `maxRecords` and about
    /// `maxBytes` (at least one record). `hint` is a known (offset, position) to start from.
    /// A damaged frame ends the read before it (the records gathered so far are returned); one
    /// met before `from` is stepped over when the next intact frame shows it lay before `from`.
    /// Reading at the damaged record itself throws `corruptSegment`.
    func read(
        from offset: Int64, endOffset: Int64, maxRecords: Int, maxBytes: Int,
        topic: String, partition: Int, hint: (offset: Int64, position: Int64)?
    ) throws -> (records: [LogRecord], nextPosition: Int64) {
        let (size, inMemory, sealedEntries) = state.withLock { state in
            (state.size, state.index.floor(of: offset), state.sealedIndexEntries)
        }
        var floor = inMemory
        if let sealedEntries {
            floor = OffsetIndex.floor(
                of: offset, baseOffset: baseOffset, in: indexFile, entryCount: sealedEntries, logSize: size)
                ?? (baseOffset, 0)
        }
        var start = if let hint, hint.offset <= offset, hint.offset >= floor.offset { hint } else { floor }
        // An entry read from a sealed segment's file must point at the record it names; if the
        // file has been damaged since it was checked, the read starts from the segment start.
        if sealedEntries != nil, start == floor, start.position > 0,
           !frame(at: start.position, hasOffset: start.offset, size: size) {
            start = (baseOffset, 0)
        }
        var records: [LogRecord] = []
        var position = start.position
        var bytesTaken = 0
        var chunkSize = max(64 * 1024, min(maxBytes + 4096, 1 << 20))
        // A damaged frame stepped over on the way to `offset`: where, and why.
        var damage: (position: Int64, reason: String)? = nil
        while position < size, records.count < maxRecords, bytesTaken < maxBytes || records.isEmpty {
            let chunk = try logFile.read(count: Int(min(Int64(chunkSize), size - position)), at: position)
            var cursor = 0
            var stop = false
            try chunk.withUnsafeBytes { (raw) in
                while cursor < raw.count {
                    switch RecordFrame.scan(raw, at: cursor, maxFrameLength: Int(size)) {
                    case .incomplete(let needed):
                        if position + Int64(cursor) + Int64(needed) > size {
                            throw SagaLogError.corruptSegment(
                                path: logPath, position: position + Int64(cursor), reason: "frame runs past the end")
                        }
                        if cursor == 0 { chunkSize = max(chunkSize, needed) }
                        return
                    case .invalid(let reason):
                        if !records.isEmpty { stop = true; return }
                        let here = position + Int64(cursor)
                        guard let length = RecordFrame.declaredLength(raw, at: cursor, maxFrameLength: Int(size)),
                              here + Int64(length) <= size
                        else { throw SagaLogError.corruptSegment(path: logPath, position: here, reason: reason) }
                        if cursor + length > raw.count {  // step over it from the next chunk
                            if cursor == 0 { chunkSize = max(chunkSize, length) }
                            return
                        }
                        damage = damage ?? (here, reason)
                        cursor += length
                    case .frame(let frameOffset, _, let length):
                        if let seen = damage {
                            // The damaged frame came right before this one: it was `offset` itself
                            // unless this frame is still at or before `offset`.
                            guard frameOffset <= offset else {
                                throw SagaLogError.corruptSegment(path: logPath, position: seen.position, reason: seen.reason)
                            }
                            damage = nil
                        }
                        if frameOffset >= endOffset { stop = true; return }
                        if frameOffset >= offset {
                            do {
                                records.append(try RecordFrame.decode(
                                    raw, at: cursor, length: length, topic: topic, partition: partition))
                            } catch {
                                throw SagaLogError.corruptSegment(
                                    path: logPath, position: position + Int64(cursor), reason: "malformed fields")
                            }
                            bytesTaken += length
                        }
                        cursor += length
                        if records.count >= maxRecords || (bytesTaken >= maxBytes && !records.isEmpty) {
                            stop = true
                            return
                        }
                    }
                }
            }
            position += Int64(cursor)
            if stop { break }
        }
        if let damage, records.isEmpty {
            throw SagaLogError.corruptSegment(path: logPath, position: damage.position, reason: damage.reason)
        }
        return (records, position)
    }

    /// Whether an intact frame holding `offset` starts at `position`.
    private func frame(at position: Int64, hasOffset offset: Int64, size: Int64) -> Bool {
        guard let header = try? logFile.read(count: Int(min(Int64(RecordFrame.minimumLength), size - position)), at: position),
              let length = header.withUnsafeBytes({ RecordFrame.declaredLength($0, at: 0, maxFrameLength: Int(size)) }),
              position + Int64(length) <= size,
              let bytes = try? logFile.read(count: length, at: position)
        else { return false }
        return bytes.withUnsafeBytes { raw in
            if case .frame(let found, _, _) = RecordFrame.scan(raw, at: 0, maxFrameLength: Int(size)) { return found == offset }
            return false
        }
    }
}

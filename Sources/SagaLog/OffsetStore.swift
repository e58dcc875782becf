import CCRC32C
import Logging
import Synchronization

/// A consumer group's committed offsets, kept in `groups/<group>.offsets`: an append-only
/// journal of CRC-checked entries (topic, partition, next offset to read). Replaying it gives
/// the latest offset per partition; a torn last entry is dropped. When the journal grows
/// long it is rewritten with one entry per partition (write, sync, rename).
///
/// A commit is written without a sync; the log's writer syncs the journal on its own schedule
/// (`syncWritten`): a commit survives a crash of the process at once and a
/// power loss once synced. What a power loss takes back is re-read (delivery is at least once);
/// `syncedOffsets` is what a power loss cannot take back, which is what retention may trust.
final class OffsetStore: Sendable {
    let group: String
    let path: String
    private let state: Mutex<State>

    private struct State: @unchecked Sendable {
        var offsets: [TopicPartition: Int64]
        /// The offsets as of the last sync (or open, or compaction).
        var synced: [TopicPartition: Int64]
        /// Entries written since the last sync.
        var dirty = false
        var file: SystemFile
        var size: Int64
        var entries: Int
    }

    private static let compactAfterEntries = 10_000

    /// One journal entry, little-endian: u32 length (whole entry), u32 CRC-32C of the bytes
    /// after it, u16 topic length, topic, u32 partition, i64 next offset.
    private enum Entry {
        static let crcField = 4
        static let topicLengthField = 8
        static let topicField = 10
        /// The CRC covers the entry from the topic length to its end.
        static let crcStart = topicLengthField
        /// Bytes besides the topic's: the fields before it, the partition and the offset.
        static let fixedLength = topicField + 4 + 8
    }

    /// Opens (creating) the journal and replays it.
    init(group: String, path: String, logger: Logger) throws {
        self.group = group
        self.path = path
        let file = try SystemFile.open(path, create: true)
        let bytes = try file.read(count: Int(try file.size()), at: 0)
        var offsets: [TopicPartition: Int64] = [:]
        var position = 0
        var entries = 0
        bytes.withUnsafeBytes { raw in
            while let (entry, length) = Self.decodeEntry(raw, at: position) {
                offsets[entry.0] = entry.1
                position += length
                entries += 1
            }
        }
        if position < bytes.count {
            logger.warning("dropped a torn committed-offset entry", metadata: [
                "group": "\(group)", "bytes": "\(bytes.count - position)",
            ])
            try file.truncate(to: Int64(position))
        }
        // Whatever a crash left in the page cache is made durable before anything trusts it.
        try file.sync()
        state = Mutex(State(offsets: offsets, synced: offsets, file: file, size: Int64(position), entries: entries))
    }

    var offsets: [TopicPartition: Int64] { state.withLock { $0.offsets } }

    func offset(for partition: TopicPartition) -> Int64? { state.withLock { $0.offsets[partition] } }

    /// The offsets a power loss cannot take back (see the type's documentation).
    var syncedOffsets: [TopicPartition: Int64] { state.withLock { $0.synced } }

    /// Syncs the entries written since the last sync, outside the lock that readers take.
    /// - Throws: `SagaLogError` when fdatasync fails; the entries then count as unsynced.
    func syncWritten() throws {
        guard let (file, offsets) = state.withLock({ state -> (SystemFile, [TopicPartition: Int64])? in
            guard state.dirty else { return nil }
            state.dirty = false
            return (state.file, state.offsets)
        }) else { return }
        do {
            try file.sync()
        } catch {
            state.withLock { $0.dirty = true }
            throw error
        }
        state.withLock { state in
            // A compaction meanwhile synced a newer state already.
            if state.file === file { state.synced.merge(offsets) { $1 } }
        }
    }

    /// Writes `offsets` in one write, unsynced until `syncWritten` (a compaction syncs at once).
    func commit(_ offsets: [TopicPartition: Int64]) throws {
        guard !offsets.isEmpty else { return }
        var bytes: [UInt8] = []
        for (partition, offset) in offsets.sorted(by: { $0.key < $1.key }) {
            Self.encodeEntry(partition, offset, into: &bytes)
        }
        try state.withLock { (state) in
            if state.entries + offsets.count > Self.compactAfterEntries {
                var merged = state.offsets
                merged.merge(offsets) { $1 }
                try compact(&state, offsets: merged)
                return
            }
            do {
                try bytes.withUnsafeBytes { (raw) in try state.file.write(raw, at: state.size) }
            } catch {
                try? state.file.truncate(to: state.size)
                throw error
            }
            state.size += Int64(bytes.count)
            state.entries += offsets.count
            state.offsets.merge(offsets) { $1 }
            state.dirty = true
        }
    }

    /// Rewrites the journal to hold exactly `offsets` (used by resets and clamping).
    func replaceAll(_ offsets: [TopicPartition: Int64]) throws {
        try state.withLock { (state) in try compact(&state, offsets: offsets) }
    }

    private func compact(_ state: inout State, offsets: [TopicPartition: Int64]) throws {
        var bytes: [UInt8] = []
        for (partition, offset) in offsets.sorted(by: { $0.key < $1.key }) {
            Self.encodeEntry(partition, offset, into: &bytes)
        }
        try FileSystem.writeAtomically(bytes, to: path)
        state.file = try SystemFile.open(path, create: false)
        state.size = Int64(bytes.count)
        state.entries = offsets.count
        state.offsets = offsets
        state.synced = offsets
        state.dirty = false
    }

    private static func encodeEntry(_ partition: TopicPartition, _ offset: Int64, into bytes: inout [UInt8]) {
        let start = bytes.count
        let topic = Array(partition.topic.utf8)
        let length = UInt32(Entry.fixedLength + topic.count)
        withUnsafeBytes(of: length.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(0)) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt16(topic.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: topic)
        withUnsafeBytes(of: UInt32(partition.partition).littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: offset.littleEndian) { bytes.append(contentsOf: $0) }
        bytes.withUnsafeMutableBytes { raw in
            let crc = saga_crc32c_extend(0, raw.baseAddress! + start + Entry.crcStart, Int(length) - Entry.crcStart)
            raw.storeBytes(of: crc.littleEndian, toByteOffset: start + Entry.crcField, as: UInt32.self)
        }
    }

    private static func decodeEntry(_ raw: UnsafeRawBufferPointer, at position: Int) -> ((TopicPartition, Int64), Int)? {
        guard raw.count - position >= Entry.fixedLength else { return nil }
        let length = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: position, as: UInt32.self)))
        guard length >= Entry.fixedLength, raw.count - position >= length else { return nil }
        let stored = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: position + Entry.crcField, as: UInt32.self))
        guard saga_crc32c_extend(0, raw.baseAddress! + position + Entry.crcStart, length - Entry.crcStart) == stored else { return nil }
        let topicLength = Int(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: position + Entry.topicLengthField, as: UInt16.self)))
        guard Entry.fixedLength + topicLength == length else { return nil }
        let topicStart = position + Entry.topicField
        let topic = String(decoding: UnsafeRawBufferPointer(rebasing: raw[topicStart..<(topicStart + topicLength)]), as: UTF8.self)
        let partition = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: topicStart + topicLength, as: UInt32.self)))
        let offset = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: topicStart + topicLength + MemoryLayout<UInt32>.size, as: Int64.self))
        return ((TopicPartition(topic: topic, partition: partition), offset), length)
    }
}

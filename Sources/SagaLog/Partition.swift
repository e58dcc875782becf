import Logging
import Synchronization

/// One partition of a topic: an ordered list of segments, the last one active. Appenders
/// enqueue; the log's `GroupCommitWriter` drains the queue, writes, syncs and completes them.
/// Readers see records up to `visibleEnd`: durable ones under `always`, written ones otherwise.
/// This file holds the write batching; reads are in `PartitionReader.swift`, deletion in `Retention`.
final class Partition: Sendable {
    let topic: String
    let id: Int
    let directory: String
    let configuration: LogConfiguration
    let logger: Logger
    private let state: Mutex<State>

    struct State: Sendable {
        var segments: [Segment]
        var queue: [PendingAppend] = []
        var queuedBytes = 0
        var visibleEnd: Int64
        /// Set once an fsync failed: the page cache can no longer be trusted.
        var failure: String? = nil
        /// Bytes written since the last sync (for `interval` and `never`).
        var unsynced = false
        /// `write` calls that stored records, and `fdatasync` calls on segment data, for statistics.
        var writes = 0
        var syncs = 0
        /// Test seam: runs before each segment `fdatasync`; a throw counts as a failed sync.
        var syncFault: (@Sendable () throws -> Void)? = nil
    }

    var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: id) }

    init(topic: String, id: Int, directory: String, segments: [Segment], configuration: LogConfiguration, logger: Logger) {
        self.topic = topic
        self.id = id
        self.directory = directory
        self.configuration = configuration
        self.logger = logger
        self.state = Mutex(State(segments: segments, visibleEnd: segments.last!.nextOffset))
    }

    // MARK: Appending

    /// Queues `append`; returns false (and fails it) if the partition has stopped accepting writes.
    /// Returns whether the queue was empty before, i.e. whether the writer needs telling.
    func enqueue(_ append: PendingAppend) -> Bool {
        let outcome: Result<Bool, SagaLogError> = state.withLock { state in
            if let failure = state.failure {
                return .failure(.partitionFailed(topic: topic, partition: id, reason: failure))
            }
            let wasEmpty = state.queue.isEmpty
            state.queue.append(append)
            state.queuedBytes += append.byteCount
            return .success(wasEmpty)
        }
        switch outcome {
        case .success(let wasEmpty): return wasEmpty
        case .failure(let error):
            append.completion(.failure(error))
            return false
        }
    }

    /// Appends waiting for the writer.
    var queuedAppends: Int { state.withLock { $0.queue.count } }

    /// Fails everything still queued (the writer has stopped).
    func failQueued(with error: SagaLogError) {
        let queued = state.withLock { state in
            defer { state.queue.removeAll(); state.queuedBytes = 0 }
            return state.queue
        }
        for append in queued { append.completion(.failure(error)) }
    }

    /// The outcome of one writer pass over this partition's queue.
    struct WriteRound {
        var completed: [(PendingAppend, Result<Int64, SagaLogError>)] = []
        var wroteBytes = false
        var moreQueued = false
    }

    /// Drains up to `maxBatchBytes` of the queue, seals offsets and CRCs, and writes them, rolling
    /// segments as needed. Runs on the writer thread only.
    func writeQueued() -> WriteRound {
        let (batch, stopped): ([PendingAppend], String?) = state.withLock { state in
            var taken = 0
            var bytes = 0
            for append in state.queue {
                if taken > 0 && bytes + append.byteCount > configuration.maxBatchBytes { break }
                bytes += append.byteCount
                taken += 1
            }
            let batch = Array(state.queue.prefix(taken))
            state.queue.removeFirst(taken)
            state.queuedBytes -= bytes
            return (batch, state.failure)
        }
        var round = WriteRound()
        if let stopped {
            // Queued before the failed sync: never written after it, so nothing unsynced shows.
            round.completed = batch.map { ($0, .failure(failedError(stopped))) }
            round.moreQueued = state.withLock { !$0.queue.isEmpty }
            return round
        }
        var writeCalls = 0
        var buffer: [UInt8] = []
        var starts: [Int] = []
        var bufferFirstOffset: Int64 = 0
        var nextOffset = activeSegment.nextOffset
        // Appends whose frames are all buffered, with their first offset; the first
        // `writtenCount` of them are on disk.
        var buffered: [(PendingAppend, Int64)] = []
        var writtenCount = 0

        func flushBuffer() throws {
            if !starts.isEmpty {
                let segment = activeSegment
                try buffer.withUnsafeBytes { raw in
                    try segment.append(raw, frameStarts: starts, firstOffset: bufferFirstOffset)
                }
                round.wroteBytes = true
                writeCalls += 1
                buffer.removeAll(keepingCapacity: true)
                starts.removeAll(keepingCapacity: true)
            }
            writtenCount = buffered.count
        }

        /// Copies frames `range` of `append` into the buffer and seals them with their offsets.
        func bufferFrames(of append: PendingAppend, _ range: Range<Int>) {
            if starts.isEmpty { bufferFirstOffset = nextOffset }
            let from = append.frameStarts[range.lowerBound]
            let to = range.upperBound < append.frameStarts.count ? append.frameStarts[range.upperBound] : append.frames.count
            let base = buffer.count
            buffer.append(contentsOf: append.frames[from..<to])
            buffer.withUnsafeMutableBytes { raw in
                for i in range {
                    let position = base + append.frameStarts[i] - from
                    starts.append(position)
                    RecordFrame.seal(raw, frameAt: position, offset: nextOffset)
                    nextOffset += 1
                }
            }
        }

        var failure: SagaLogError? = nil
        do {
            for append in batch {
                let pending = activeSegment.size + Int64(buffer.count)
                if pending > 0 && (pending + Int64(append.byteCount) > configuration.segmentBytes || isTooOld(activeSegment)) {
                    try flushBuffer()
                    try roll()
                }
                let first = nextOffset
                if activeSegment.size + Int64(buffer.count + append.byteCount) <= configuration.segmentBytes {
                    bufferFrames(of: append, 0..<append.recordCount)
                } else {
                    // Larger than a segment: roll between its records.
                    for i in 0..<append.recordCount {
                        let end = i + 1 < append.recordCount ? append.frameStarts[i + 1] : append.frames.count
                        let length = Int64(end - append.frameStarts[i])
                        let pendingBytes = activeSegment.size + Int64(buffer.count)
                        if pendingBytes > 0 && pendingBytes + length > configuration.segmentBytes {
                            try flushBuffer()
                            try roll()
                        }
                        bufferFrames(of: append, i..<(i + 1))
                    }
                }
                buffered.append((append, first))
            }
            try flushBuffer()
        } catch {
            failure = SagaLogError.from(error)
        }
        for (n, (append, first)) in buffered.enumerated() {
            round.completed.append((append, n < writtenCount ? .success(first) : .failure(failure!)))
        }
        if let failure {
            for append in batch.dropFirst(buffered.count) { round.completed.append((append, .failure(failure))) }
        }
        if round.wroteBytes { state.withLock { $0.unsynced = true; $0.writes += writeCalls } }
        round.moreQueued = state.withLock { !$0.queue.isEmpty }
        return round
    }

    private func isTooOld(_ segment: Segment) -> Bool {
        guard let first = segment.firstAppendMillis else { return false }
        let ageMillis = currentTimeMillis() - first
        return Duration.milliseconds(ageMillis) > configuration.segmentMaxAge
    }

    /// Syncs and closes the active segment and starts a new one at the next offset.
    private func roll() throws {
        let old = activeSegment
        try syncSegment(old)
        let segment = try Segment.create(
            directory: directory, baseOffset: old.nextOffset, indexIntervalBytes: configuration.indexIntervalBytes)
        try FileSystem.syncDirectory(directory)
        state.withLock { $0.segments.append(segment) }
        old.seal()
        logger.debug("rolled segment", metadata: ["partition": "\(topicPartition)", "base_offset": "\(segment.baseOffset)"])
    }

    var activeSegment: Segment { state.withLock { $0.segments.last! } }

    /// fdatasync of the active segment (rolled ones were synced when they rolled). After a
    /// failed sync it throws `partitionFailed` without retrying: a retry could report success
    /// for pages the kernel already dropped.
    func sync() throws {
        let (segment, dirty, failure) = state.withLock { state in
            defer { state.unsynced = false }
            return (state.segments.last!, state.unsynced, state.failure)
        }
        if let failure { throw failedError(failure) }
        guard dirty else { return }
        try syncSegment(segment)
    }

    /// Counts and runs one `fdatasync` of `segment`. A failure stops the partition: after a
    /// failed fsync the kernel may have dropped the dirty pages, so only a reopen (and its
    /// recovery) can tell what is on disk.
    private func syncSegment(_ segment: Segment) throws {
        let fault = state.withLock { state in
            state.syncs += 1
            return state.syncFault
        }
        do {
            try fault?()
            try segment.sync()
        } catch {
            let reason = "\(SagaLogError.from(error))"
            state.withLock { $0.failure = $0.failure ?? reason }
            logger.critical("fsync failed; partition stops accepting writes", metadata: [
                "partition": "\(topicPartition)", "error": "\(error)",
            ])
            throw failedError(reason)
        }
    }

    private func failedError(_ reason: String) -> SagaLogError {
        .partitionFailed(topic: topic, partition: id, reason: reason)
    }

    /// Test seam: `fault` runs before every later segment `fdatasync` of this partition; when
    /// it throws, the sync counts as failed. `nil` removes it.
    func setSyncFault(_ fault: (@Sendable () throws -> Void)?) {
        state.withLock { $0.syncFault = fault }
    }

    /// Makes everything written so far visible to readers.
    func publishWritten() {
        state.withLock { $0.visibleEnd = $0.segments.last!.nextOffset }
    }

    // MARK: Reading

    var startOffset: Int64 { state.withLock { $0.segments.first!.baseOffset } }
    var endOffset: Int64 { state.withLock { $0.visibleEnd } }

    /// The segments and the visible end, taken together, for `read`.
    var readableSegments: (segments: [Segment], visibleEnd: Int64) {
        state.withLock { ($0.segments, $0.visibleEnd) }
    }

    // MARK: Statistics, retention and close

    var statistics: PartitionStatistics {
        state.withLock { state in
            PartitionStatistics(
                topic: topic, partition: id, startOffset: state.segments.first!.baseOffset,
                endOffset: state.visibleEnd, bytes: state.segments.reduce(0) { $0 + $1.size },
                segmentCount: state.segments.count, queuedBytes: state.queuedBytes,
                writes: state.writes, syncs: state.syncs, failed: state.failure != nil)
        }
    }

    /// The segments held now, oldest first; the last is the active one.
    var segmentsSnapshot: [Segment] { state.withLock { $0.segments } }

    /// Takes the closed segments whose records all lie below `offset` off the front, oldest
    /// first; never the active one. The caller (`Retention`) deletes their files.
    func detachSegments(below offset: Int64) -> [Segment] {
        state.withLock { state in
            var removed: [Segment] = []
            while state.segments.count > 1, state.segments[1].baseOffset <= offset {
                removed.append(state.segments.removeFirst())
            }
            return removed
        }
    }

    /// Syncs the active segment and rewrites its index; for a clean close. A stopped partition
    /// throws `partitionFailed`, so the log is not marked clean and the next open checks it.
    func closeCleanly() throws {
        let (segment, failure) = state.withLock { ($0.segments.last!, $0.failure) }
        if let failure { throw failedError(failure) }
        try syncSegment(segment)
        try? segment.persistIndex()  // derived data; an unclean-looking index is rebuilt on open
    }
}

/// The read side of a partition: records from an offset up to the visible end, segment by
/// segment, with a hint that lets a sequential reader skip the index lookup. Apart from
/// `Partition.swift`, which holds the write batching, because readers never touch the queue.
extension Partition {
    /// A read's records and where the next read should start.
    struct ReadResult: Sendable {
        var records: [LogRecord]
        var nextOffset: Int64
        var hint: ReadHint?
    }

    /// A remembered file position that lets a sequential reader skip the index lookup.
    struct ReadHint: Sendable {
        var segmentBase: Int64
        var offset: Int64
        var position: Int64
    }

    /// Reads from `offset` (which must be within `[start, end]`) up to the visible end.
    func read(from offset: Int64, maxRecords: Int, maxBytes: Int, hint: ReadHint? = nil) throws -> ReadResult {
        let (segments, end) = readableSegments
        let start = segments.first!.baseOffset
        guard offset >= start, offset <= end else {
            throw SagaLogError.offsetOutOfRange(topic: topic, partition: id, offset: offset, start: start, end: end)
        }
        var records: [LogRecord] = []
        var next = offset
        var lastHint: ReadHint? = nil
        var index = Self.segmentIndex(containing: offset, in: segments)
        while next < end, records.count < maxRecords, index < segments.count {
            let segment = segments[index]
            let segmentEnd = index + 1 < segments.count ? segments[index + 1].baseOffset : end
            let limit = min(end, segmentEnd)
            if next >= limit { index += 1; continue }
            let usable = hint.flatMap { $0.segmentBase == segment.baseOffset && $0.offset == next ? ($0.offset, $0.position) : nil }
            let (batch, position) = try segment.read(
                from: next, endOffset: limit, maxRecords: maxRecords - records.count,
                maxBytes: max(1, maxBytes - records.reduce(0) { $0 + $1.value.count }),
                topic: topic, partition: id, hint: usable)
            if batch.isEmpty {
                if next < limit {
                    throw SagaLogError.corruptSegment(path: segment.logPath, position: position, reason: "offset \(next) not found")
                }
                index += 1
                continue
            }
            records.append(contentsOf: batch)
            next = batch.last!.offset + 1
            lastHint = ReadHint(segmentBase: segment.baseOffset, offset: next, position: position)
            if records.count >= maxRecords { break }
            if next >= limit { index += 1 } else { break }
        }
        return ReadResult(records: records, nextOffset: next, hint: lastHint)
    }

    static func segmentIndex(containing offset: Int64, in segments: [Segment]) -> Int {
        var low = 0
        var high = segments.count
        while low < high {
            let mid = (low + high) / 2
            if segments[mid].baseOffset <= offset { low = mid + 1 } else { high = mid }
        }
        return max(0, low - 1)
    }
}

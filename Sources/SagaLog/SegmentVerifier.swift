/// The scrub of one segment: every frame's checksum and offset, in order, and every entry of the
/// offset index against the frame it points at. Damage is named as a range of offsets (the
/// records that cannot be read) and of bytes, found by stepping to the next intact frame.
enum SegmentVerifier {
    /// What checking one segment found.
    struct Outcome {
        var records = 0
        var bytes: Int64 = 0
        var damaged: [DamagedRecords] = []
    }

    /// Checks the frames of `segment` below `size` bytes, which must hold offsets
    /// `segment.baseOffset..<endOffset` (the next segment's base, or the partition's visible end).
    /// The segment is read whole: a scrub is an operator's request, not the hot path.
    static func verify(
        _ segment: Segment, size: Int64, endOffset: Int64, topic: String, partition: Int
    ) throws -> Outcome {
        let bytes = try segment.logFile.read(count: Int(size), at: 0)
        let index = segment.snapshotIndex
        var outcome = Outcome()
        outcome.bytes = Int64(bytes.count)
        bytes.withUnsafeBytes { raw in
            var frameOffsets: [Int: Int64] = [:]
            var position = 0
            var expected = segment.baseOffset
            func damage(_ from: Int64, _ to: Int64, at start: Int, bytes length: Int, _ reason: String) {
                outcome.damaged.append(DamagedRecords(
                    topic: topic, partition: partition, segment: segment.logPath, fromOffset: from, toOffset: to,
                    position: Int64(start), bytes: Int64(length), reason: reason))
            }
            while position < raw.count, expected < endOffset {
                let reason: String
                switch RecordFrame.scan(raw, at: position, maxFrameLength: raw.count) {
                case .frame(let offset, _, let length) where offset == expected:
                    frameOffsets[position] = offset
                    outcome.records += 1
                    expected += 1
                    position += length
                    continue
                case .frame(let offset, _, _) where offset > expected && offset < endOffset:
                    // Intact, but records before it are not there.
                    damage(expected, offset, at: position, bytes: 0, "records \(expected)..<\(offset) are missing")
                    expected = offset
                    continue
                case .frame(let offset, _, _):
                    reason = "offset \(offset) where \(expected) was expected"
                case .incomplete:
                    reason = "a frame runs past the end of the segment"
                case .invalid(let why):
                    reason = why
                }
                // Step to the next intact frame that can follow: everything before it is lost.
                let next = nextIntactFrame(raw, after: position, from: expected, below: endOffset)
                damage(expected, next?.offset ?? endOffset, at: position, bytes: (next?.position ?? raw.count) - position, reason)
                guard let next else {
                    expected = endOffset
                    position = raw.count
                    break
                }
                expected = next.offset
                position = next.position
            }
            if expected < endOffset {
                damage(expected, endOffset, at: position, bytes: 0, "records \(expected)..<\(endOffset) are missing from the segment")
            }
            // Entries past `size` are for records appended since it was taken.
            for entry in index.entries {
                let offset = index.baseOffset + Int64(entry.relativeOffset)
                let at = Int(entry.position)
                if at >= raw.count || frameOffsets[at] == offset { continue }
                if outcome.damaged.contains(where: { Int64(at) >= $0.position && Int64(at) < $0.position + $0.bytes }) { continue }
                damage(offset, offset + 1, at: at, bytes: 0,
                       "the offset index points offset \(offset) at byte \(at), where no such record starts")
            }
        }
        return outcome
    }

    /// The first position after `start` where a frame with an offset in `from..<below` passes
    /// its checksum.
    private static func nextIntactFrame(
        _ raw: UnsafeRawBufferPointer, after start: Int, from: Int64, below: Int64
    ) -> (position: Int, offset: Int64)? {
        var position = start + 1
        while position + RecordFrame.minimumLength <= raw.count {
            if case .frame(let offset, _, _) = RecordFrame.scan(raw, at: position, maxFrameLength: raw.count - position),
               offset >= from, offset < below {
                return (position, offset)
            }
            position += 1
        }
        return nil
    }
}

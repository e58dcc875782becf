import Logging

/// What opening a segment found and repaired.
public struct SegmentRecoveryReport: Sendable, Equatable {
    public var path: String
    /// Records found valid by the scan (only the scanned part of the segment).
    public var scannedRecords: Int
    /// Bytes cut off the end of an active segment (a torn or corrupt tail).
    public var truncatedBytes: Int64
    /// Why the scan stopped early, when it did.
    public var damage: String?
    public var indexRebuilt: Bool
}

extension Segment {
    /// How much of a segment recovery must distrust.
    enum RecoveryMode {
        /// The segment being appended to. `fullScan` after an unclean shutdown: every record is
        /// checked and the index rebuilt; otherwise only records after the last index entry.
        case active(fullScan: Bool)
        /// A rolled segment (synced when it rolled), followed by one starting at `nextBase`.
        case closed(nextBase: Int64)
    }

    /// Opens an existing segment, validating and repairing it as `mode` says.
    static func recover(
        directory: String, baseOffset: Int64, mode: RecoveryMode, indexIntervalBytes: Int, logger: Logger
    ) throws -> (Segment, SegmentRecoveryReport) {
        let logPath = directory + "/" + fileName(baseOffset: baseOffset, suffix: "log")
        let indexPath = directory + "/" + fileName(baseOffset: baseOffset, suffix: "index")
        let file = try SystemFile.open(logPath, create: true)
        let fileSize = try file.size()
        let storedIndex = FileSystem.exists(indexPath)
            ? OffsetIndex.decode(try FileSystem.readAll(indexPath), baseOffset: baseOffset, logSize: fileSize) : nil

        var report = SegmentRecoveryReport(
            path: logPath, scannedRecords: 0, truncatedBytes: 0, damage: nil, indexRebuilt: false)
        let maxFrame = Int(min(fileSize, Int64(Int32.max)))

        if case .closed(let nextBase) = mode, let storedIndex {
            let segment = try Segment(
                directory: directory, baseOffset: baseOffset, index: storedIndex, size: fileSize, nextOffset: nextBase,
                firstAppendMillis: nil, indexIntervalBytes: indexIntervalBytes,
                persistedIndexEntries: storedIndex.entries.count)
            return (segment, report)
        }

        let scan: ScanResult
        let fullScan: Bool
        if case .active(let full) = mode { fullScan = full } else { fullScan = true }
        if !fullScan, let storedIndex,
           let resumed = try? Self.scan(
               file, fileSize: fileSize, index: storedIndex, maxFrame: maxFrame, indexIntervalBytes: indexIntervalBytes),
           resumed.startedCleanly {
            scan = resumed
        } else {
            scan = try Self.scan(
                file, fileSize: fileSize, index: OffsetIndex(baseOffset: baseOffset), maxFrame: maxFrame,
                indexIntervalBytes: indexIntervalBytes)
            report.indexRebuilt = true
            if storedIndex == nil, fileSize > 0 {
                logger.warning("offset index missing or damaged; rebuilt from records", metadata: ["segment": "\(logPath)"])
            }
        }
        report.scannedRecords = scan.records
        report.damage = scan.damage

        let size: Int64
        let nextOffset: Int64
        switch mode {
        case .active:
            size = scan.endPosition
            nextOffset = scan.nextOffset
            if scan.endPosition < fileSize {
                report.truncatedBytes = fileSize - scan.endPosition
                try file.truncate(to: scan.endPosition)
                try file.sync()
                logger.warning("truncated a torn or corrupt tail", metadata: [
                    "segment": "\(logPath)", "kept_bytes": "\(scan.endPosition)",
                    "truncated_bytes": "\(report.truncatedBytes)", "next_offset": "\(scan.nextOffset)",
                    "reason": "\(scan.damage ?? "partial frame")",
                ])
            }
        case .closed(let nextBase):
            // A rolled segment is never cut: damage there is not a torn write. Reads that reach
            // it fail with `corruptSegment`; everything before it stays readable.
            size = fileSize
            nextOffset = nextBase
            if scan.endPosition < fileSize || scan.nextOffset != nextBase {
                logger.error("damaged record in a closed segment; reads past it will fail", metadata: [
                    "segment": "\(logPath)", "position": "\(scan.endPosition)",
                    "reason": "\(scan.damage ?? "records missing before \(nextBase)")",
                ])
            }
        }
        // The first frame's timestamp: when the segment began, for rolling by age.
        let fixed = RecordFrame.fixedFieldsLength
        let firstMillis: Int64? = size >= fixed ? (try? file.read(count: fixed, at: 0)).flatMap { bytes in
            bytes.count == fixed ? bytes.withUnsafeBytes {
                Int64(littleEndian: $0.loadUnaligned(fromByteOffset: RecordFrame.timestampField, as: Int64.self))
            } : nil
        } : nil
        let segment = try Segment(
            directory: directory, baseOffset: baseOffset, index: scan.index, size: size, nextOffset: nextOffset,
            firstAppendMillis: firstMillis, indexIntervalBytes: indexIntervalBytes, persistedIndexEntries: 0)
        do {
            try segment.persistIndex()
        } catch {
            // The index is derived: reads fall back to scanning from the nearest entry in memory.
            logger.warning("could not write the rebuilt offset index", metadata: ["segment": "\(logPath)", "error": "\(error)"])
        }
        return (segment, report)
    }

    struct ScanResult {
        var index: OffsetIndex
        var endPosition: Int64
        var nextOffset: Int64
        var records: Int
        var damage: String?
        /// The first frame looked at was valid and had the offset the index promised.
        var startedCleanly: Bool
    }

    /// Validates frames from the last entry of `index` (or the start) to the end of the file,
    /// extending the index as it goes, and stops at the first frame that is not valid.
    private static func scan(
        _ file: SystemFile, fileSize: Int64, index: OffsetIndex, maxFrame: Int, indexIntervalBytes: Int
    ) throws -> ScanResult {
        let start = index.floor(of: Int64.max)
        var result = ScanResult(
            index: index, endPosition: start.position, nextOffset: start.offset, records: 0, damage: nil,
            startedCleanly: true)
        var bytesSinceEntry = 0
        var chunkSize = 1 << 20
        while result.endPosition < fileSize, result.damage == nil {
            let position = result.endPosition
            let chunk = try file.read(count: Int(min(Int64(chunkSize), fileSize - position)), at: position)
            var cursor = 0
            chunk.withUnsafeBytes { raw in
                while cursor < raw.count {
                    switch RecordFrame.scan(raw, at: cursor, maxFrameLength: maxFrame) {
                    case .incomplete(let needed):
                        if position + Int64(cursor) + Int64(needed) > fileSize {
                            result.damage = "partial frame at the end"
                        } else if cursor == 0 {
                            chunkSize = needed  // one frame larger than the chunk: read it whole
                        }
                        return
                    case .invalid(let reason):
                        result.damage = reason
                        return
                    case .frame(let offset, _, let length):
                        guard offset == result.nextOffset else {
                            result.damage = "offset \(offset) where \(result.nextOffset) was expected"
                            return
                        }
                        if bytesSinceEntry >= indexIntervalBytes {
                            result.index.append(offset: offset, position: position + Int64(cursor))
                            bytesSinceEntry = 0
                        }
                        bytesSinceEntry += length
                        result.nextOffset += 1
                        result.records += 1
                        cursor += length
                    }
                }
            }
            result.endPosition += Int64(cursor)
            if result.damage != nil, result.records == 0 { result.startedCleanly = false }
        }
        return result
    }
}

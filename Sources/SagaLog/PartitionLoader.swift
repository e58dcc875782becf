import Logging

/// Opens a topic's partition directories, recovering their segments.
enum PartitionLoader {
    static func openTopic(
        name: String, partitions: Int, logDirectory: String, fullScan: Bool,
        configuration: LogConfiguration, logger: Logger
    ) throws -> (Topic, [SegmentRecoveryReport]) {
        var opened: [Partition] = []
        var reports: [SegmentRecoveryReport] = []
        for id in 0..<partitions {
            let directory = "\(logDirectory)/\(name)-\(id)"
            let (segments, partitionReports) = try openSegments(
                in: directory, fullScan: fullScan, configuration: configuration, logger: logger)
            reports += partitionReports
            opened.append(Partition(
                topic: name, id: id, directory: directory, segments: segments, configuration: configuration,
                logger: logger))
        }
        return (Topic(name: name, partitions: opened), reports)
    }

    private static func openSegments(
        in directory: String, fullScan: Bool, configuration: LogConfiguration, logger: Logger
    ) throws -> ([Segment], [SegmentRecoveryReport]) {
        try FileSystem.makeDirectory(directory)
        let names = try FileSystem.list(directory)
        let bases = names.compactMap { name -> Int64? in
            guard name.hasSuffix(".log"), name.count == 24 else { return nil }
            return Int64(name.dropLast(4))
        }.sorted()
        for name in names where name.hasSuffix(".index") {
            if let base = Int64(name.dropLast(6)), !bases.contains(base) { try FileSystem.remove(directory + "/" + name) }
        }
        guard !bases.isEmpty else {
            let segment = try Segment.create(
                directory: directory, baseOffset: 0, indexIntervalBytes: configuration.indexIntervalBytes)
            try FileSystem.syncDirectory(FileSystem.directory(of: directory))
            try FileSystem.syncDirectory(directory)
            return ([segment], [])
        }
        var segments: [Segment] = []
        var reports: [SegmentRecoveryReport] = []
        for (i, base) in bases.enumerated() {
            let mode: Segment.RecoveryMode = i + 1 < bases.count ? .closed(nextBase: bases[i + 1]) : .active(fullScan: fullScan)
            let (segment, report) = try Segment.recover(
                directory: directory, baseOffset: base, mode: mode,
                indexIntervalBytes: configuration.indexIntervalBytes, logger: logger)
            if case .closed = mode { segment.seal() }
            segments.append(segment)
            reports.append(report)
        }
        return (segments, reports)
    }
}

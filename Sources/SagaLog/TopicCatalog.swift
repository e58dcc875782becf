/// The list of topics and their partition counts, in `<log>/topics` as `name partitions`
/// lines, replaced atomically. Directories not named there are left alone.
enum TopicCatalog {
    static let fileName = "topics"

    static func load(directory: String) throws -> [(String, Int)] {
        let path = directory + "/" + fileName
        guard FileSystem.exists(path) else { return [] }
        let text = String(decoding: try FileSystem.readAll(path), as: UTF8.self)
        var topics: [(String, Int)] = []
        for (number, line) in text.split(separator: "\n").enumerated() {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let count = Int(fields[1]), Topic.isValidName(String(fields[0])) else {
                throw SagaLogError.corruptSegment(path: path, position: Int64(number + 1), reason: "bad topic line '\(line)'")
            }
            topics.append((String(fields[0]), count))
        }
        return topics
    }

    static func save(_ topics: [String: Int], directory: String) throws {
        let text = topics.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }.joined()
        try FileSystem.writeAtomically(Array(text.utf8), to: directory + "/" + fileName)
    }
}

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
            segments.append(segment)
            reports.append(report)
        }
        return (segments, reports)
    }
}

import Logging

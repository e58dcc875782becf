import Foundation
import Logging

/// The operator's tools for damage: a scrub that checks every record and names the damaged
/// ranges, and a skip that moves one group past such a range, on the record.
extension SagaLog {
    /// Checks every segment of the partitions asked for (all of them by default) up to the
    /// visible end: each frame's CRC and offset, and the offset index against the frames.
    public func verify(topic onlyTopic: String? = nil, partition onlyPartition: Int? = nil) throws -> ScrubReport {
        let topics = try onlyTopic.map { [try topic($0)] } ?? topicNames.map { try topic($0) }
        var result = ScrubReport()
        for topic in topics {
            let partitions = try onlyPartition.map { [try topic.partition($0)] } ?? topic.partitions
            for partition in partitions {
                let (segments, visibleEnd) = partition.readableSegments
                for (i, segment) in segments.enumerated() {
                    let end = i + 1 < segments.count ? segments[i + 1].baseOffset : visibleEnd
                    let outcome: SegmentVerifier.Outcome
                    do {
                        outcome = try SegmentVerifier.verify(
                            segment, size: segment.size, endOffset: end, topic: topic.name, partition: partition.id)
                    } catch {
                        // Retention may delete a segment while it is checked; anything else is a failure.
                        if partition.segmentsSnapshot.contains(where: { $0 === segment }) { throw error }
                        continue
                    }
                    result.segments += 1
                    result.records += outcome.records
                    result.bytes += outcome.bytes
                    result.damaged += outcome.damaged
                }
            }
        }
        for range in result.damaged {
            logger.error("scrub found damaged records", metadata: [
                "partition": "\(range.topic)-\(range.partition)", "offsets": "\(range.fromOffset)..<\(range.toOffset)",
                "segment": "\(range.segment)", "position": "\(range.position)", "reason": "\(range.reason)",
            ])
        }
        return result
    }

    /// Moves `group` past `fromOffset..<offset` of one partition (its committed offset up to
    /// `offset`); the group must have no live members. The skip clears the group's stall there,
    /// is logged as a warning and kept in `<log>/skipped-records.json`.
    public func skip(group: String, topic topicName: String, partition id: Int, to offset: Int64) throws -> SkippedRecords {
        let partition = try topic(topicName).partition(id)
        let from = try coordinator.skip(group, partition: partition, to: offset)
        let skipped = SkippedRecords(
            group: group, topic: topicName, partition: id, fromOffset: from, toOffset: offset,
            skippedAtMillis: Int64(Date().timeIntervalSince1970 * 1000))
        stalls.clear(group: group, partition: partition.topicPartition)
        logger.warning("consumer group moved past records by an operator; they will not be delivered to it", metadata: [
            "group": "\(group)", "partition": "\(partition.topicPartition)", "skipped": "\(from)..<\(offset)",
        ])
        let path = directory + "/skipped-records.json"
        let earlier = FileSystem.exists(path)
            ? try JSONDecoder().decode([SkippedRecords].self, from: Data(try FileSystem.readAll(path))) : []
        try FileSystem.writeAtomically([UInt8](try JSONEncoder().encode(earlier + [skipped])), to: path)
        return skipped
    }
}

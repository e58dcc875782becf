/// The retention pass: deletes whole closed segments that are past `retentionAge` or over
/// `retentionBytes`, oldest first, never a partition's active segment. Apart from `Partition`
/// so that writing and reading do not carry the deletion policy.
enum Retention {
    /// Runs one pass over every partition of `topics`; returns how many segments were deleted.
    /// `nowSeconds` defaults to the clock, read afresh for each partition.
    static func enforce(on topics: [Topic], nowSeconds: Double?) throws -> Int {
        var deleted = 0
        for topic in topics {
            for partition in topic.partitions {
                deleted += try enforce(on: partition, nowSeconds: nowSeconds ?? currentTimeSeconds())
            }
        }
        return deleted
    }

    /// Deletes the segments of `partition` that the limits no longer keep; returns how many went.
    @discardableResult
    static func enforce(on partition: Partition, nowSeconds: Double) throws -> Int {
        let configuration = partition.configuration
        let removed = partition.detachOldestSegments { oldest, totalBytes in
            var expired = false
            if let age = configuration.retentionAge, let modified = try? FileSystem.modificationTime(oldest.logPath) {
                expired = Duration.seconds(nowSeconds - modified) > age
            }
            let oversized = configuration.retentionBytes.map { totalBytes > $0 } ?? false
            return expired || oversized
        }
        guard !removed.isEmpty else { return 0 }
        for segment in removed {
            try FileSystem.remove(segment.logPath)
            try FileSystem.remove(segment.indexPath)
        }
        try FileSystem.syncDirectory(partition.directory)
        partition.logger.info("retention deleted segments", metadata: [
            "partition": "\(partition.topicPartition)", "segments": "\(removed.count)",
            "start_offset": "\(partition.startOffset)",
        ])
        return removed.count
    }
}

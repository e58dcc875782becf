import MessageLog

/// The retention pass: deletes whole closed segments that are past `retentionAge` or over
/// `retentionBytes`, oldest first, never a partition's active segment, and never one holding
/// records a consumer group has not consumed (its committed offset is the floor): those stay,
/// reported as held, until the group moves on. Apart from `Partition` so that writing and
/// reading do not carry the deletion policy.
enum Retention {
    /// The lowest offset some group still needs in a partition, and that group.
    struct Floor: Equatable {
        var offset: Int64
        var group: String
    }

    /// Runs one pass over every partition of `topics`; `floors` gives each partition's floor
    /// (none: nobody reads it). `nowSeconds` defaults to the clock, read afresh per partition.
    static func enforce(on topics: [Topic], floors: [TopicPartition: Floor], nowSeconds: Double?) throws -> RetentionOutcome {
        var outcome = RetentionOutcome()
        for topic in topics {
            for partition in topic.partitions {
                let floor = floors[partition.topicPartition]
                let (deleted, hold) = try enforce(on: partition, floor: floor, nowSeconds: nowSeconds ?? currentTimeSeconds())
                outcome.deleted += deleted
                if let hold { outcome.held.append(hold) }
            }
        }
        return outcome
    }

    /// Deletes the segments of `partition` that the limits no longer keep and whose records all
    /// lie below `floor`; returns how many went, and what the floor kept that the limits would
    /// have deleted.
    @discardableResult
    static func enforce(on partition: Partition, floor: Floor?, nowSeconds: Double) throws -> (deleted: Int, held: RetentionHold?) {
        let configuration = partition.configuration
        let segments = partition.segmentsSnapshot
        var total = segments.reduce(Int64(0)) { $0 + $1.size }
        var cut: Int64? = nil
        var held = (units: 0, bytes: Int64(0))
        // Oldest first, each closed segment with the next one's base (where its records end).
        for (oldest, next) in zip(segments, segments.dropFirst()) {
            var expired = false
            if let age = configuration.retentionAge, let modified = try? FileSystem.modificationTime(oldest.logPath) {
                expired = Duration.seconds(nowSeconds - modified) > age
            }
            let oversized = configuration.retentionBytes.map { total > $0 } ?? false
            guard expired || oversized else { break }
            total -= oldest.size
            if let floor, next.baseOffset > floor.offset {
                held.units += 1
                held.bytes += oldest.size
            } else {
                cut = next.baseOffset
            }
        }
        let removed = cut.map { partition.detachSegments(below: $0) } ?? []
        let hold = held.units == 0 ? nil : floor.map {
            RetentionHold(
                topic: partition.topicPartition.topic, partition: partition.id, group: $0.group, neededFrom: $0.offset,
                units: held.units, bytes: held.bytes)
        }
        guard !removed.isEmpty else { return (0, hold) }
        for segment in removed {
            try FileSystem.remove(segment.logPath)
            try FileSystem.remove(segment.indexPath)
        }
        try FileSystem.syncDirectory(partition.directory)
        partition.logger.info("retention deleted segments", metadata: [
            "partition": "\(partition.topicPartition)", "segments": "\(removed.count)",
            "start_offset": "\(partition.startOffset)",
        ])
        return (removed.count, hold)
    }
}

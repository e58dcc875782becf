/// Offsets and sizes of one partition, as `MessageLogAdmin.topicStatistics` reports them.
public struct PartitionStatistics: Sendable, Equatable, Codable {
    public var topic: String
    public var partition: Int
    /// The first offset still held (retention moves it on).
    public var startOffset: Int64
    /// The offset the next record will get: records are `startOffset..<endOffset`.
    public var endOffset: Int64
    public var bytes: Int64
    public var segmentCount: Int
    /// Bytes waiting for the writer.
    public var queuedBytes: Int
    /// `write` calls that stored records since open: one per partition per writer pass
    /// (more only when the pass rolled a segment).
    public var writes: Int
    /// `fdatasync` calls on segment data since open (appends under `always`, interval syncs,
    /// rolls, close). Fewer syncs than appends is group commit at work.
    public var syncs: Int
    /// Whether an `fdatasync` failed and the partition refuses writes until reopened.
    public var failed: Bool

    public init(
        topic: String, partition: Int, startOffset: Int64, endOffset: Int64, bytes: Int64, segmentCount: Int,
        queuedBytes: Int, writes: Int, syncs: Int, failed: Bool
    ) {
        self.topic = topic
        self.partition = partition
        self.startOffset = startOffset
        self.endOffset = endOffset
        self.bytes = bytes
        self.segmentCount = segmentCount
        self.queuedBytes = queuedBytes
        self.writes = writes
        self.syncs = syncs
        self.failed = failed
    }
}

/// A group's committed offset and lag on one partition.
public struct GroupPartitionLag: Sendable, Equatable, Codable {
    public var group: String
    public var topic: String
    public var partition: Int
    /// The next offset the group will read; `nil` when it never committed.
    public var committedOffset: Int64?
    public var endOffset: Int64
    /// `end − max(committed, start)`: records not yet consumed, never negative.
    public var lag: Int64
    public var members: Int

    public init(
        group: String, topic: String, partition: Int, committedOffset: Int64?, endOffset: Int64, lag: Int64,
        members: Int
    ) {
        self.group = group
        self.topic = topic
        self.partition = partition
        self.committedOffset = committedOffset
        self.endOffset = endOffset
        self.lag = lag
        self.members = members
    }
}

/// Where `resetGroup` moves a group's offsets.
public enum OffsetResetTarget: Sendable, Equatable {
    case earliest
    case latest
    case offset(Int64)
}

/// What opening the log found and repaired, summed over its storage so any backend can say it.
public struct LogRecoveryReport: Sendable, Equatable {
    /// Storage units (segments) checked while opening.
    public var checkedSegments: Int
    /// Records found valid by those checks.
    public var scannedRecords: Int
    /// Bytes cut off torn or corrupt tails.
    public var truncatedBytes: Int64
    /// Where a check stopped early and why, one line each.
    public var damage: [String]

    public init(checkedSegments: Int, scannedRecords: Int, truncatedBytes: Int64, damage: [String]) {
        self.checkedSegments = checkedSegments
        self.scannedRecords = scannedRecords
        self.truncatedBytes = truncatedBytes
        self.damage = damage
    }
}

/// What one retention pass did: how many storage units (segments) it deleted, and where the
/// limits asked for more but a consumer group still needs the records.
public struct RetentionOutcome: Sendable, Equatable {
    public var deleted: Int
    public var held: [RetentionHold]

    public init(deleted: Int = 0, held: [RetentionHold] = []) {
        self.deleted = deleted
        self.held = held
    }
}

/// Records of one partition that the retention limits would drop but that `group` has not
/// consumed yet (its committed offset is `neededFrom`): kept until it has.
public struct RetentionHold: Sendable, Equatable {
    public var topic: String
    public var partition: Int
    public var group: String
    public var neededFrom: Int64
    /// Storage units (segments) and bytes the limits would have dropped.
    public var units: Int
    public var bytes: Int64

    public init(topic: String, partition: Int, group: String, neededFrom: Int64, units: Int, bytes: Int64) {
        self.topic = topic
        self.partition = partition
        self.group = group
        self.neededFrom = neededFrom
        self.units = units
        self.bytes = bytes
    }
}

/// A partition a consumer group cannot read on from where it stands: the record at `offset`
/// is damaged (fails its checksum or cannot be found), or the records from `offset` on were
/// deleted before the group consumed them. The group stays at `offset` — nothing is skipped
/// silently — until an operator moves it (a group reset) or the data comes back.
public struct StalledRead: Sendable, Equatable {
    public var group: String
    public var topic: String
    public var partition: Int
    public var offset: Int64
    public var reason: String

    public init(group: String, topic: String, partition: Int, offset: Int64, reason: String) {
        self.group = group
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.reason = reason
    }
}

/// Records found missing when the log was opened: a consumer group had consumed up to `upTo`,
/// but the partition now ends at `from` (a segment file was deleted or cut, or an unsynced tail
/// was lost). Records `from..<upTo` — and any that followed them — are gone; other groups never
/// saw them. Kept, and reported, until an operator acknowledges them.
public struct LostRecords: Sendable, Equatable, Codable {
    public var topic: String
    public var partition: Int
    public var group: String
    public var from: Int64
    public var upTo: Int64
    /// When the loss was found, in milliseconds since the Unix epoch.
    public var foundAtMillis: Int64

    public init(topic: String, partition: Int, group: String, from: Int64, upTo: Int64, foundAtMillis: Int64) {
        self.topic = topic
        self.partition = partition
        self.group = group
        self.from = from
        self.upTo = upTo
        self.foundAtMillis = foundAtMillis
    }
}

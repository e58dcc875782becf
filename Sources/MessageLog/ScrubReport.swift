/// Records that fail their check in storage: offsets `fromOffset..<toOffset` of a partition
/// cannot be read, from byte `position` of `segment` (`bytes` long; 0 when the records are simply
/// not there). Reads stop at them; a consumer group that reaches them stalls until an operator
/// skips them.
public struct DamagedRecords: Sendable, Equatable, Codable {
    public var topic: String
    public var partition: Int
    /// The segment file holding the damage.
    public var segment: String
    public var fromOffset: Int64
    public var toOffset: Int64
    public var position: Int64
    public var bytes: Int64
    public var reason: String

    public init(topic: String, partition: Int, segment: String, fromOffset: Int64, toOffset: Int64, position: Int64,
                bytes: Int64, reason: String) {
        self.topic = topic
        self.partition = partition
        self.segment = segment
        self.fromOffset = fromOffset
        self.toOffset = toOffset
        self.position = position
        self.bytes = bytes
        self.reason = reason
    }
}

/// What a scrub of the log (`MessageLogAdmin.verify`) checked and found.
public struct ScrubReport: Sendable, Equatable {
    /// Storage units (segments) checked.
    public var segments: Int
    /// Records whose checksum and offset were right.
    public var records: Int
    public var bytes: Int64
    public var damaged: [DamagedRecords]

    public init(segments: Int = 0, records: Int = 0, bytes: Int64 = 0, damaged: [DamagedRecords] = []) {
        self.segments = segments
        self.records = records
        self.bytes = bytes
        self.damaged = damaged
    }
}

/// Records a consumer group was moved past by an operator (`MessageLogAdmin.skip`):
/// `fromOffset..<toOffset` of the partition will never be delivered to that group.
public struct SkippedRecords: Sendable, Equatable, Codable {
    public var group: String
    public var topic: String
    public var partition: Int
    public var fromOffset: Int64
    public var toOffset: Int64
    /// When, in milliseconds since the Unix epoch.
    public var skippedAtMillis: Int64

    public init(group: String, topic: String, partition: Int, fromOffset: Int64, toOffset: Int64, skippedAtMillis: Int64) {
        self.group = group
        self.topic = topic
        self.partition = partition
        self.fromOffset = fromOffset
        self.toOffset = toOffset
        self.skippedAtMillis = skippedAtMillis
    }
}

/// Records found missing from the log when sagad started (`LostRecordRange`): a group had
/// consumed up to `up_to`, but the partition ended at `from`.
public struct LostRecordRange: APISchema, Equatable {
    public var topic: String
    public var partition: Int
    public var group: String
    public var from: Int64
    public var upTo: Int64
    public var foundAt: String

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case topic, partition, group, from
        case upTo = "up_to"
        case foundAt = "found_at"
    }

    public init(topic: String, partition: Int, group: String, from: Int64, upTo: Int64, foundAt: String) {
        self.topic = topic
        self.partition = partition
        self.group = group
        self.from = from
        self.upTo = upTo
        self.foundAt = foundAt
    }
}

/// The losses not yet acknowledged (`LostRecordList`).
public struct LostRecordList: APISchema, Equatable {
    public var lost: [LostRecordRange]

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case lost
    }

    public init(lost: [LostRecordRange]) {
        self.lost = lost
    }
}

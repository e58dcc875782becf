/// The body of `POST /v1/groups/{group}/skip` (`GroupSkipRequest`): move the group's committed
/// offset on one partition forward to `to`.
public struct GroupSkipRequest: APIRequestBody {
    public var topic: String
    public var partition: Int
    public var to: Int64

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case topic, partition, to
    }

    public init(topic: String, partition: Int, to: Int64) {
        self.topic = topic
        self.partition = partition
        self.to = to
    }

    public init(from decoder: any Decoder) throws {
        try Self.rejectUnknownProperties(in: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        topic = try container.decode(String.self, forKey: .topic)
        partition = try container.decode(Int.self, forKey: .partition)
        guard let to = try container.decodeWholeNumberIfPresent(forKey: .to) else {
            throw DecodingError.keyNotFound(CodingKeys.to, .init(codingPath: container.codingPath, debugDescription: "required"))
        }
        self.to = to
    }
}

/// What a skip moved the group past (`SkippedRange`): `from..<to` is never delivered to it.
public struct SkippedRange: APISchema, Equatable {
    public var group: String
    public var topic: String
    public var partition: Int
    public var from: Int64
    public var to: Int64
    public var skippedAt: String

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case group, topic, partition, from, to
        case skippedAt = "skipped_at"
    }

    public init(group: String, topic: String, partition: Int, from: Int64, to: Int64, skippedAt: String) {
        self.group = group
        self.topic = topic
        self.partition = partition
        self.from = from
        self.to = to
        self.skippedAt = skippedAt
    }
}

/// Records of a partition that fail their check (`DamagedRange`): `from..<to` cannot be read,
/// from byte `position` of `segment`.
public struct DamagedRange: APISchema, Equatable {
    public var topic: String
    public var partition: Int
    public var segment: String
    public var from: Int64
    public var to: Int64
    public var position: Int64
    public var bytes: Int64
    public var reason: String

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case topic, partition, segment, from, to, position, bytes, reason
    }

    public init(topic: String, partition: Int, segment: String, from: Int64, to: Int64, position: Int64, bytes: Int64,
                reason: String) {
        self.topic = topic
        self.partition = partition
        self.segment = segment
        self.from = from
        self.to = to
        self.position = position
        self.bytes = bytes
        self.reason = reason
    }
}

/// The answer of `GET /v1/log/verify` (`LogVerification`): what was checked, what is damaged.
public struct LogVerification: APISchema, Equatable {
    public var segments: Int
    public var records: Int
    public var bytes: Int64
    public var damaged: [DamagedRange]

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case segments, records, bytes, damaged
    }

    public init(segments: Int, records: Int, bytes: Int64, damaged: [DamagedRange]) {
        self.segments = segments
        self.records = records
        self.bytes = bytes
        self.damaged = damaged
    }
}

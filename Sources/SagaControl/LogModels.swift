/// One partition of a topic in the log (`PartitionInfo` in openapi.yaml).
struct PartitionInfo: Codable, Sendable, Equatable {
    var topic: String
    var partition: Int
    var startOffset: Int
    var endOffset: Int
    var bytes: Int
    var segments: Int

    enum CodingKeys: String, CodingKey {
        case topic, partition, bytes, segments
        case startOffset = "start_offset"
        case endOffset = "end_offset"
    }
}

/// The body of `GET /v1/topics`.
struct PartitionList: Codable, Sendable {
    var partitions: [PartitionInfo]
}

/// A consumer group's position in one partition (`GroupLag`).
struct GroupLag: Codable, Sendable, Equatable {
    var group: String
    var topic: String
    var partition: Int
    var committedOffset: Int?
    var endOffset: Int
    var lag: Int
    var members: Int

    enum CodingKeys: String, CodingKey {
        case group, topic, partition, lag, members
        case committedOffset = "committed_offset"
        case endOffset = "end_offset"
    }
}

/// The body of `GET /v1/groups` and of a group reset.
struct GroupLagList: Codable, Sendable {
    var groups: [GroupLag]
}

/// Whether a service's consumer group is paused.
struct GroupState: Codable, Sendable, Equatable {
    var group: String
    var paused: Bool
}

/// The body of `POST /v1/groups/{group}/reset`.
struct GroupResetRequest: Encodable, Sendable {
    var to: String
    var offset: Int?
    var topic: String?
}

/// One record of the log (`LogRecord`); the value is UTF-8 text.
struct LogRecord: Codable, Sendable, Equatable {
    var topic: String
    var partition: Int
    var offset: Int
    var timestamp: String
    var key: String
    var value: String
    var headers: [String: String]
}

/// The body of a peek or of the dead-letter listing.
struct RecordPage: Codable, Sendable {
    var records: [LogRecord]
}

/// The body of `POST /v1/dlq/replay`.
struct ReplayResult: Codable, Sendable {
    var replayed: Int
}

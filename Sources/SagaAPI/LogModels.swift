/// One partition of a topic in the log (`PartitionInfo`).
public struct PartitionInfo: APISchema, Equatable {
    public var topic: String
    public var partition: Int
    public var startOffset: Int64
    public var endOffset: Int64
    public var bytes: Int64
    public var segments: Int

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case topic, partition
        case startOffset = "start_offset"
        case endOffset = "end_offset"
        case bytes, segments
    }

    public init(topic: String, partition: Int, startOffset: Int64, endOffset: Int64, bytes: Int64, segments: Int) {
        self.topic = topic
        self.partition = partition
        self.startOffset = startOffset
        self.endOffset = endOffset
        self.bytes = bytes
        self.segments = segments
    }
}

/// The body of `GET /v1/topics` (`PartitionList`).
public struct PartitionList: APISchema {
    public var partitions: [PartitionInfo]

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case partitions
    }

    public init(partitions: [PartitionInfo]) {
        self.partitions = partitions
    }
}

/// One record of the log (`LogRecord`); the value is UTF-8 text.
public struct LogRecord: APISchema, Equatable {
    public var topic: String
    public var partition: Int
    public var offset: Int64
    public var timestamp: String
    public var key: String
    public var value: String
    public var headers: [String: String]

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case topic, partition, offset, timestamp, key, value, headers
    }

    public init(
        topic: String, partition: Int, offset: Int64, timestamp: String, key: String, value: String,
        headers: [String: String]
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }
}

/// The body of a peek or of the dead-letter listing (`RecordPage`).
public struct RecordPage: APISchema {
    public var records: [LogRecord]

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case records
    }

    public init(records: [LogRecord]) {
        self.records = records
    }
}

/// The body of `POST /v1/dlq/replay` (`ReplayRequest`); no topic replays every dead-letter topic.
public struct ReplayRequest: APIRequestBody {
    public var topic: String?

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case topic
    }

    public init(topic: String?) {
        self.topic = topic
    }

    public init(from decoder: any Decoder) throws {
        try Self.rejectUnknownProperties(in: decoder)
        topic = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .topic)
    }
}

/// The answer of `POST /v1/dlq/replay` (`ReplayResult`).
public struct ReplayResult: APISchema {
    public var replayed: Int

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case replayed
    }

    public init(replayed: Int) {
        self.replayed = replayed
    }
}

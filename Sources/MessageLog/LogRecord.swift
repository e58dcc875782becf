/// A named byte string travelling with a record (for example an event id).
public struct RecordHeader: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }

    public init(name: String, string: String) {
        self.init(name: name, value: Array(string.utf8))
    }

    public var stringValue: String { String(decoding: value, as: UTF8.self) }
}

/// What a producer hands to `append`: the partition is chosen from `key`.
public struct ProducerRecord: Sendable, Hashable {
    public var key: [UInt8]
    public var value: [UInt8]
    public var headers: [RecordHeader]
    /// Milliseconds since the Unix epoch; `nil` means "now" at append time.
    public var timestampMillis: Int64?

    public init(key: [UInt8], value: [UInt8], headers: [RecordHeader] = [], timestampMillis: Int64? = nil) {
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMillis = timestampMillis
    }

    public init(key: String, value: [UInt8], headers: [RecordHeader] = [], timestampMillis: Int64? = nil) {
        self.init(key: Array(key.utf8), value: value, headers: headers, timestampMillis: timestampMillis)
    }
}

/// A record as read back from a partition.
public struct LogRecord: Sendable, Hashable {
    public var topic: String
    public var partition: Int
    public var offset: Int64
    public var timestampMillis: Int64
    public var key: [UInt8]
    public var value: [UInt8]
    public var headers: [RecordHeader]

    public init(
        topic: String, partition: Int, offset: Int64, timestampMillis: Int64,
        key: [UInt8], value: [UInt8], headers: [RecordHeader]
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestampMillis = timestampMillis
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// The first header called `name`, as a string.
    public func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.stringValue
    }
}

/// Where an append landed.
public struct RecordPosition: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int
    public var offset: Int64

    public init(topic: String, partition: Int, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public var description: String { "\(topic)-\(partition)@\(offset)" }
}

/// A topic-partition pair, the unit of ordering and assignment.
public struct TopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int

    public init(topic: String, partition: Int) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)-\(partition)" }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }
}

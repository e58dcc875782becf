import MessageLog

/// The `dlq-*` headers a dead letter carries: why it failed, where it came from, how often it
/// was tried and by which group. Written by `DeadLetterQueue.send`, read back by list and replay.
public struct DeadLetterHeaders: Sendable, Equatable {
    /// What every dead-letter header's name begins with; replay strips them.
    public static let prefix = "dlq-"
    static let errorName = "dlq-error"
    static let originalTopicName = "dlq-original-topic"
    static let originalPartitionName = "dlq-original-partition"
    static let originalOffsetName = "dlq-original-offset"
    static let attemptsName = "dlq-attempts"
    static let groupName = "dlq-group"
    /// Added to a listed dead letter (never stored): "true" once a replay took it.
    public static let replayedName = "dlq-replayed"

    public var error: String
    public var originalTopic: String
    public var originalPartition: Int
    public var originalOffset: Int64
    public var attempts: Int
    public var group: String

    public init(error: String, originalTopic: String, originalPartition: Int, originalOffset: Int64,
                attempts: Int, group: String) {
        self.error = error
        self.originalTopic = originalTopic
        self.originalPartition = originalPartition
        self.originalOffset = originalOffset
        self.attempts = attempts
        self.group = group
    }

    /// The headers for `record`, which `group` gave up on after `attempts` with `error`.
    public init(for record: LogRecord, error: any Error, attempts: Int, group: String) {
        self.init(error: "\(error)", originalTopic: record.topic, originalPartition: record.partition,
                  originalOffset: record.offset, attempts: attempts, group: group)
    }

    /// Parses the headers of a dead letter; nil when any is missing or malformed.
    public init?(parsing record: LogRecord) {
        guard let error = record.header(Self.errorName),
              let topic = record.header(Self.originalTopicName),
              let partition = record.header(Self.originalPartitionName).flatMap({ Int($0) }),
              let offset = record.header(Self.originalOffsetName).flatMap({ Int64($0) }),
              let attempts = record.header(Self.attemptsName).flatMap({ Int($0) }),
              let group = record.header(Self.groupName)
        else { return nil }
        self.init(error: error, originalTopic: topic, originalPartition: partition, originalOffset: offset,
                  attempts: attempts, group: group)
    }

    /// The headers as appended to the dead-letter topic.
    public var recordHeaders: [RecordHeader] {
        [
            RecordHeader(name: Self.errorName, string: error),
            RecordHeader(name: Self.originalTopicName, string: originalTopic),
            RecordHeader(name: Self.originalPartitionName, string: "\(originalPartition)"),
            RecordHeader(name: Self.originalOffsetName, string: "\(originalOffset)"),
            RecordHeader(name: Self.attemptsName, string: "\(attempts)"),
            RecordHeader(name: Self.groupName, string: group),
        ]
    }

    /// The topic a dead letter came from: all that replay needs of its headers.
    public static func originalTopic(of record: LogRecord) -> String? { record.header(originalTopicName) }

    /// `headers` without the dead-letter ones: what a replayed record carries again.
    public static func stripped(_ headers: [RecordHeader]) -> [RecordHeader] {
        headers.filter { !$0.name.hasPrefix(prefix) }
    }
}

import CRdKafka
import MessageLog

/// What went wrong in `KafkaLog`, with librdkafka's own error name and text where it spoke.
public enum KafkaLogError: MessageLogError, Equatable {
    /// A setting was refused, by KafkaLog (it would break a promise the log makes) or by librdkafka.
    case badSetting(key: String, reason: String)
    /// librdkafka reported `code` (its `rd_kafka_resp_err_t`) while doing `operation`.
    case client(operation: String, code: Int32, name: String, message: String)
    case unknownTopic(String)
    case unknownPartition(topic: String, partition: Int)
    case unknownGroup(String)
    case invalidTopicName(String, reason: String)
    /// The topic exists with another partition count than asked for.
    case partitionCountMismatch(topic: String, expected: Int, actual: Int)
    case offsetOutOfRange(topic: String, partition: Int, offset: Int64, start: Int64, end: Int64)
    case groupHasMembers(group: String, members: Int)
    /// A call of the log API that has no meaning on a Kafka broker (see `KafkaLog`'s admin notes).
    case notAvailableOnKafka(operation: String, reason: String)
    /// The broker did not answer `operation` within the configured time.
    case timedOut(operation: String)
    /// The log or consumer was closed before or during the call.
    case closed

    /// librdkafka's error `code` for `operation`, with its symbolic name and description.
    static func client(_ operation: String, _ code: rd_kafka_resp_err_t, detail: String? = nil) -> KafkaLogError {
        let name = String(cString: rd_kafka_err2name(code))
        let text = String(cString: rd_kafka_err2str(code))
        return .client(
            operation: operation, code: code.rawValue, name: name,
            message: detail.map { $0.isEmpty || $0 == text ? text : "\(text): \($0)" } ?? text)
    }

    public var kind: MessageLogFailureKind {
        switch self {
        case .unknownTopic, .unknownPartition, .unknownGroup: .notFound
        case .invalidTopicName, .partitionCountMismatch, .offsetOutOfRange: .invalidRequest
        case .groupHasMembers: .groupHasMembers
        case .client(_, let code, _, _): Self.kind(ofCode: rd_kafka_resp_err_t(rawValue: code))
        case .badSetting, .notAvailableOnKafka, .timedOut, .closed: .unavailable
        }
    }

    /// How a broker or client error code reads to callers of the log API.
    static func kind(ofCode code: rd_kafka_resp_err_t) -> MessageLogFailureKind {
        switch code {
        case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
            RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND:
            .notFound
        case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION, RD_KAFKA_RESP_ERR_INVALID_PARTITIONS,
            RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE, RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR,
            RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_INVALID_CONFIG:
            .invalidRequest
        case RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP:
            .groupHasMembers
        case RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID, RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION,
            RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST:
            .membershipLost
        default: .unavailable
        }
    }

    public var description: String {
        switch self {
        case .badSetting(let key, let reason): "Kafka setting \(key): \(reason)"
        case .client(let operation, let code, let name, let message):
            "Kafka \(operation) failed: \(message) (\(name), code \(code))"
        case .unknownTopic(let topic): "no topic \(topic) on the Kafka cluster"
        case .unknownPartition(let topic, let partition): "topic \(topic) has no partition \(partition)"
        case .unknownGroup(let group): "no consumer group \(group): it has no members and no committed offsets"
        case .invalidTopicName(let name, let reason): "invalid topic name \"\(name)\": \(reason)"
        case .partitionCountMismatch(let topic, let expected, let actual):
            "topic \(topic) has \(actual) partitions, not \(expected); Kafka cannot take partitions away"
        case .offsetOutOfRange(let topic, let partition, let offset, let start, let end):
            "offset \(offset) is outside \(topic)-\(partition), which holds \(start)..<\(end)"
        case .groupHasMembers(let group, let members):
            "group \(group) has \(members) live member(s); stop its consumers before moving its offsets"
        case .notAvailableOnKafka(let operation, let reason): "\(operation) is not available on the Kafka backend: \(reason)"
        case .timedOut(let operation): "Kafka \(operation) timed out; is the broker reachable?"
        case .closed: "the Kafka log is closed"
        }
    }
}

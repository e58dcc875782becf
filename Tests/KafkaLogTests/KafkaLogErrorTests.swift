import CRdKafka
import MessageLog
import Testing

@testable import KafkaLog

/// librdkafka's error codes reach callers classified as the log API's failure kinds, with
/// librdkafka's own name and text in the description.
@Suite struct KafkaLogErrorTests {
    @Test func brokerCodesAreClassified() {
        let expected: [(rd_kafka_resp_err_t, MessageLogFailureKind)] = [
            (RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, .notFound),
            (RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, .notFound),
            (RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND, .notFound),
            (RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION, .invalidRequest),
            (RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE, .invalidRequest),
            (RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, .invalidRequest),
            (RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP, .groupHasMembers),
            (RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION, .membershipLost),
            (RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID, .membershipLost),
            (RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, .membershipLost),
            (RD_KAFKA_RESP_ERR__TRANSPORT, .unavailable),
            (RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, .unavailable),
        ]
        for (code, kind) in expected {
            #expect(KafkaLogError.client("produce", code).kind == kind, "\(code)")
        }
    }

    @Test func theDescriptionCarriesLibrdkafkasNameAndText() {
        let error = KafkaLogError.client("produce to orders", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        #expect(error.description.contains("produce to orders"))
        #expect(error.description.contains("UNKNOWN_TOPIC_OR_PART"))
        #expect(error.description.contains("Broker: Unknown topic or partition"), "\(error)")
        let detailed = KafkaLogError.client("creating topic t", RD_KAFKA_RESP_ERR_INVALID_CONFIG, detail: "retention.ms is negative")
        #expect(detailed.description.contains("retention.ms is negative"))
    }

    @Test func ownCasesAreClassified() {
        #expect(KafkaLogError.unknownTopic("t").kind == .notFound)
        #expect(KafkaLogError.unknownGroup("g").kind == .notFound)
        #expect(KafkaLogError.invalidTopicName("x y", reason: "space").kind == .invalidRequest)
        #expect(KafkaLogError.partitionCountMismatch(topic: "t", expected: 2, actual: 3).kind == .invalidRequest)
        #expect(KafkaLogError.groupHasMembers(group: "g", members: 1).kind == .groupHasMembers)
        let unavailable = KafkaLogError.notAvailableOnKafka(operation: "verify", reason: "the brokers own the files")
        #expect(unavailable.kind == .unavailable)
        #expect(unavailable.description == "verify is not available on the Kafka backend: the brokers own the files")
    }
}

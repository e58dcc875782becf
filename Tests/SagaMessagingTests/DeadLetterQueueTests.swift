import MessageLog
import SagaLog
import Testing
@testable import SagaMessaging

/// The dead-letter concept on its own: topic naming, the header round trip, and send, list and
/// replay over a real log.
@Suite struct DeadLetterQueueTests {
    @Test func namesTheDeadLetterTopicOfATopicAndBack() {
        #expect(DeadLetterQueue.topic(for: "order_pending") == "order_pending.dlq")
        #expect(SagaEventType.orderPending.deadLetterTopic == "order_pending.dlq")
        #expect(DeadLetterQueue.isDeadLetterTopic("order_pending.dlq"))
        #expect(!DeadLetterQueue.isDeadLetterTopic("order_pending"))
        #expect(DeadLetterQueue.originalTopic(of: "order_pending.dlq") == "order_pending")
        #expect(DeadLetterQueue.originalTopic(of: "order_pending") == nil)
    }

    @Test func headersSurviveARoundTripAndReplayStripsThem() {
        let original = LogRecord(
            topic: "order_pending", partition: 3, offset: 42, timestampMillis: 0, key: Array("o1".utf8),
            value: Array("{}".utf8), headers: [RecordHeader(name: "event-id", string: "e1")])
        let headers = DeadLetterHeaders(for: original, error: EventDecodingError(topic: "t", offset: 1, reason: "bad"),
                                        attempts: 3, group: "checkout")
        let dead = LogRecord(
            topic: "order_pending.dlq", partition: 0, offset: 0, timestampMillis: 0, key: original.key,
            value: original.value, headers: original.headers + headers.recordHeaders)
        #expect(DeadLetterHeaders(parsing: dead) == headers)
        #expect(headers.originalTopic == "order_pending" && headers.originalPartition == 3 && headers.originalOffset == 42)
        #expect(headers.error == "cannot decode record t@1: bad")
        #expect(dead.header("dlq-group") == "checkout" && dead.header("dlq-attempts") == "3")
        #expect(DeadLetterHeaders.originalTopic(of: dead) == "order_pending")
        #expect(DeadLetterHeaders.stripped(dead.headers) == original.headers)
        #expect(DeadLetterHeaders(parsing: original) == nil)
    }

    @Test func sendsListsAndReplaysEachDeadLetterOnce() async throws {
        let scratch = try ScratchLog("dlq", topics: ["order_pending": 1])
        defer { scratch.close() }
        let (log, logger) = (scratch.log, scratch.logger)
        let position = try await log.append(
            try EventCodec.record(for: SagaEvent(type: .orderPending, orderID: "o1")), to: "order_pending")
        let record = try log.read(topic: "order_pending", partition: 0, from: position.offset, maxRecords: 1)[0]
        let queue = DeadLetterQueue(log: log, logger: logger)

        #expect(await queue.send(record, headers: DeadLetterHeaders(for: record, error: CancellationError(), attempts: 1, group: "g")))
        #expect(queue.topics == ["order_pending.dlq"])
        #expect(try queue.list(limit: 10).map(\.replayed) == [false])

        #expect(try await queue.replay(topic: nil) == 1)
        #expect(try await queue.replay(topic: "order_pending.dlq") == 0)
        #expect(try queue.list(limit: 10).map(\.replayed) == [true])
        let back = try log.read(topic: "order_pending", partition: 0, from: 0, maxRecords: 10)
        #expect(back.count == 2)
        #expect(back[1].headers == record.headers && back[1].value == record.value)
        await #expect(throws: DeadLetterError.unknownTopic("order_pending")) {
            try await queue.replay(topic: "order_pending")
        }
    }
}

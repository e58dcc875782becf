import Foundation
import MessageLog
import Testing

@testable import KafkaLog

/// The broker the tests run against, when the environment names one.
let brokerBootstrap = ProcessInfo.processInfo.environment["SAGAD_KAFKA_BOOTSTRAP"]

/// What KafkaLog offers beyond the conformance suite, against the broker `SAGAD_KAFKA_BOOTSTRAP`
/// names (`make test-cluster` starts the emulator); skipped without one.
@Suite(.enabled(if: brokerBootstrap != nil, "needs SAGAD_KAFKA_BOOTSTRAP (make test-cluster)"))
struct KafkaLogBrokerTests {
    static let bootstrap = brokerBootstrap

    /// A log in a namespace of its own, so tests and runs do not see each other.
    static func freshLog() throws -> KafkaLog {
        try KafkaLog(configuration: KafkaConfiguration(
            bootstrapServers: bootstrap ?? "", namespace: "kafkalog.\(UUID().uuidString).",
            properties: ["heartbeat.interval.ms": "300", "log_level": "3"]))
    }

    static func record(_ key: String, _ value: String) -> ProducerRecord {
        ProducerRecord(key: key, value: Array(value.utf8))
    }

    static func drain(_ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(10)) async throws -> [LogRecord] {
        let deadline = ContinuousClock.now + timeout
        var records: [LogRecord] = []
        while records.count < count, ContinuousClock.now < deadline {
            records += try await consumer.poll(maxRecords: count - records.count, timeout: .milliseconds(200))
        }
        return records
    }

    @Test func aPausedMemberGetsNothingUntilItResumes() async throws {
        let log = try Self.freshLog()
        defer { try? log.close() }
        try log.ensureTopic("flow", partitions: 2)
        _ = try await log.append((0..<10).map { Self.record("k\($0)", "a\($0)") }, to: "flow")
        let member = try log.subscribeMember(group: "flow-readers", topics: ["flow"])
        defer { member.close() }
        #expect(try await Self.drain(member, count: 10).count == 10)
        try await member.pause()
        _ = try await log.append((0..<5).map { Self.record("k\($0)", "b\($0)") }, to: "flow")
        #expect(try await member.poll(maxRecords: 5, timeout: .seconds(1)).isEmpty)
        try await member.resume()
        #expect(Set(try await Self.drain(member, count: 5).map { String(decoding: $0.value, as: UTF8.self) })
            == Set((0..<5).map { "b\($0)" }))
    }

    /// Kafka's rebalance takes every partition away and deals them out again; the member that
    /// keeps one goes on from where it stood, not from the last commit (no second delivery).
    @Test func aMemberKeepsItsPlaceOnThePartitionsItKeepsThroughARebalance() async throws {
        let log = try Self.freshLog()
        defer { try? log.close() }
        try log.ensureTopic("shared", partitions: 2)
        _ = try await log.append((0..<20).map { Self.record("k\($0)", "r\($0)") }, to: "shared")
        let first = try log.subscribeMember(group: "sharers", topics: ["shared"])
        defer { first.close() }
        #expect(try await Self.drain(first, count: 20).count == 20)  // read, never committed
        let second = try log.subscribeMember(group: "sharers", topics: ["shared"])
        defer { second.close() }
        var again: [LogRecord] = []
        var handedOver: [LogRecord] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while handedOver.isEmpty || ContinuousClock.now < deadline - .seconds(7), ContinuousClock.now < deadline {
            again += try await first.poll(maxRecords: 20, timeout: .milliseconds(100))
            handedOver += try await second.poll(maxRecords: 20, timeout: .milliseconds(100))
        }
        #expect(!handedOver.isEmpty, "the second member got no partition")
        #expect(Set(handedOver.map(\.partition)).count == 1)
        #expect(again.isEmpty, "delivered again to the member that kept the partition: \(again.map(\.offset))")
    }

    @Test func headersKeysAndTimestampsComeBackAsAppended() async throws {
        let log = try Self.freshLog()
        defer { try? log.close() }
        try log.ensureTopic("rich", partitions: 3)
        // A recent time: a broker's retention deletes records by timestamp (7 days by default).
        let stamp = Int64(Date().timeIntervalSince1970 * 1000) - 5_000
        let sent = ProducerRecord(
            key: "order-9", value: Array("paid".utf8),
            headers: [RecordHeader(name: "event-id", string: "e-1"), RecordHeader(name: "empty", value: [])],
            timestampMillis: stamp)
        let position = try await log.append([sent], to: "rich")[0]
        #expect(position.topic == "rich")
        #expect(position.partition == KafkaProducer.partition(for: sent.key, partitions: 3))
        let read = try #require(try log.read(topic: "rich", partition: position.partition, from: position.offset, maxRecords: 1).first)
        let member = try log.subscribeMember(group: "rich-readers", topics: ["rich"])
        defer { member.close() }
        let consumed = try #require(try await Self.drain(member, count: 1).first)
        for record in [read, consumed] {
            #expect(record.topic == "rich" && record.partition == position.partition && record.offset == position.offset)
            #expect(record.key == sent.key && record.value == sent.value && record.headers == sent.headers)
            #expect(record.timestampMillis == stamp)
        }
    }

    @Test func anExistingTopicMustHaveThePartitionCountAskedFor() throws {
        let log = try Self.freshLog()
        defer { try? log.close() }
        try log.ensureTopic("fixed", partitions: 2)
        try log.ensureTopic("fixed", partitions: 2)
        let error = #expect(throws: KafkaLogError.self) { try log.ensureTopic("fixed", partitions: 3) }
        #expect(error == .partitionCountMismatch(topic: "fixed", expected: 3, actual: 2))
        #expect(log.topicNames == ["fixed"], "names show without the namespace, and only the namespace's")
    }

    @Test func skipMovesAnEmptyGroupPastRecords() async throws {
        let log = try Self.freshLog()
        defer { try? log.close() }
        try log.ensureTopic("skippy", partitions: 1)
        _ = try await log.append((0..<10).map { Self.record("k", "r\($0)") }, to: "skippy")
        let member = try log.subscribeMember(group: "skippers", topics: ["skippy"])
        try await member.commit(try await Self.drain(member, count: 3))
        let busy = #expect(throws: KafkaLogError.self) { try log.skip(group: "skippers", topic: "skippy", partition: 0, to: 5) }
        #expect(busy?.kind == .groupHasMembers)
        member.close()
        let skipped = try log.skip(group: "skippers", topic: "skippy", partition: 0, to: 5)
        #expect((skipped.fromOffset, skipped.toOffset) == (3, 5))
        #expect(log.groupLag().first { $0.group == "skippers" }?.committedOffset == 5)
        let backwards = #expect(throws: KafkaLogError.self) { try log.skip(group: "skippers", topic: "skippy", partition: 0, to: 4) }
        #expect(backwards?.kind == .invalidRequest)
    }

    @Test func callsAboutLocalFilesSayTheyAreNotAvailable() throws {
        let log = try Self.freshLog()
        defer { try? log.close() }
        let calls: [(String, () throws -> Void)] = [
            ("verify", { _ = try log.verify(topic: nil, partition: nil) }),
            ("retention", { _ = try log.enforceRetention(nowSeconds: nil) }),
            ("acknowledging lost records", { try log.acknowledgeLostRecords() }),
        ]
        for (operation, call) in calls {
            let error = #expect(throws: KafkaLogError.self) { try call() }
            guard case .notAvailableOnKafka(let named, _) = error else {
                Issue.record("\(operation): \(String(describing: error))")
                continue
            }
            #expect(named == operation)
        }
        #expect(log.stalledReads.isEmpty && log.lostRecords.isEmpty)
        #expect(log.recoveryReport == LogRecoveryReport(checkedSegments: 0, scannedRecords: 0, truncatedBytes: 0, damage: []))
    }

    @Test func aClosedLogRefusesCallsAndItsRecordsRemain() async throws {
        let log = try Self.freshLog()
        try log.ensureTopic("last", partitions: 1)
        let landed = try await log.append([Self.record("k", "kept")], to: "last")
        try log.close()
        await #expect(throws: KafkaLogError.closed) { _ = try await log.append([Self.record("k", "late")], to: "last") }
        #expect(throws: KafkaLogError.closed) { _ = try log.subscribe(group: "g", topics: ["last"]) }
        let again = try KafkaLog(configuration: log.configuration)
        defer { try? again.close() }
        #expect(try again.read(topic: "last", partition: 0, from: 0, maxRecords: 5).map(\.value) == [Array("kept".utf8)])
        #expect(landed[0].offset == 0)
    }

    @Test func aBrokerThatDoesNotAnswerFailsTheOpenInTime() {
        let start = ContinuousClock.now
        let error = #expect(throws: KafkaLogError.self) {
            _ = try KafkaLog(configuration: KafkaConfiguration(
                bootstrapServers: "127.0.0.1:9", properties: ["log_level": "0"], requestTimeoutMillis: 500))
        }
        #expect(error?.kind == .unavailable)
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}

import CRdKafka
import Testing

@testable import KafkaLog

/// The settings KafkaLog hands librdkafka: the ones its promises rest on are fixed, the rest
/// pass through; names map into and out of the namespace.
@Suite struct KafkaConfigurationTests {
    let configuration = KafkaConfiguration(
        bootstrapServers: "127.0.0.1:9092", namespace: "tenant.",
        properties: ["linger.ms": "2", "security.protocol": "plaintext"])

    @Test func theProducerAcknowledgesOnAllReplicasWithoutDuplicates() throws {
        let settings = try configuration.producerProperties()
        #expect(settings["acks"] == "all")
        #expect(settings["enable.idempotence"] == "true")
        #expect(settings["bootstrap.servers"] == "127.0.0.1:9092")
        #expect(settings["linger.ms"] == "2")
        #expect(settings["security.protocol"] == "plaintext")
        #expect(try KafkaConfiguration(bootstrapServers: "b:1").producerProperties()["linger.ms"] == "0")
    }

    @Test func eachKindOfClientGetsOnlyItsOwnSettings() throws {
        let shared = KafkaConfiguration(
            bootstrapServers: "b:1", properties: ["group.instance.id": "sagad-a", "session.timeout.ms": "6000", "linger.ms": "1",
                                                  "socket.timeout.ms": "30000"])
        let producer = try shared.producerProperties()
        let consumer = try shared.consumerProperties(group: "g")
        #expect(producer["group.instance.id"] == nil && producer["session.timeout.ms"] == nil && producer["linger.ms"] == "1")
        #expect(consumer["group.instance.id"] == "sagad-a" && consumer["session.timeout.ms"] == "6000" && consumer["linger.ms"] == nil)
        #expect(producer["socket.timeout.ms"] == "30000" && consumer["socket.timeout.ms"] == "30000", "global settings go to both")
    }

    @Test func consumersCommitOnlyWhenAskedAndNeverCreateTopics() throws {
        let settings = try configuration.consumerProperties(group: "tenant.workers")
        #expect(settings["group.id"] == "tenant.workers")
        #expect(settings["enable.auto.commit"] == "false")
        #expect(settings["enable.auto.offset.store"] == "false")
        #expect(settings["allow.auto.create.topics"] == "false")
        #expect(settings["auto.offset.reset"] == "earliest")
        #expect(settings["security.protocol"] == "plaintext")
        #expect(settings["linger.ms"] == nil, "a producer's setting is not handed to consumers")
    }

    @Test func aPassthroughSettingMayRepeatButNotChangeAFixedOne() throws {
        var same = configuration
        same.properties = ["acks": "all", "enable.auto.commit": "false"]
        _ = try same.producerProperties()
        _ = try same.consumerProperties(group: "g")
        for (key, value) in [("acks", "1"), ("enable.idempotence", "false")] {
            var changed = configuration
            changed.properties = [key: value]
            #expect(throws: KafkaLogError.self) { try changed.producerProperties() }
        }
        var autoCommit = configuration
        autoCommit.properties = ["enable.auto.commit": "true"]
        let error = #expect(throws: KafkaLogError.self) { try autoCommit.consumerProperties(group: "g") }
        #expect(error?.description.contains("enable.auto.commit") == true)
        #expect(error?.kind == .unavailable)
        var group = configuration
        group.properties = ["group.id": "other"]
        #expect(throws: KafkaLogError.self) { try group.consumerProperties(group: "g") }
        var servers = configuration
        servers.properties = ["bootstrap.servers": "elsewhere:9092"]
        #expect(throws: KafkaLogError.self) { try servers.producerProperties() }
    }

    @Test func librdkafkaRefusesAnUnknownSettingWithItsOwnWords() {
        let error = #expect(throws: KafkaLogError.self) {
            _ = try RdKafkaClient.make(RD_KAFKA_PRODUCER, properties: ["no.such.setting": "1"], requestTimeoutMillis: 100)
        }
        guard case .badSetting(let key, let reason) = error else {
            Issue.record("expected badSetting, got \(String(describing: error))")
            return
        }
        #expect(key == "no.such.setting")
        #expect(reason.contains("No such configuration property"), "\(reason)")
    }

    @Test func namesMapIntoAndOutOfTheNamespace() {
        #expect(configuration.clusterName("orders") == "tenant.orders")
        #expect(configuration.logName("tenant.orders") == "orders")
        #expect(configuration.logName("other.orders") == nil)
        #expect(configuration.logName("tenant.") == nil)
        #expect(configuration.logName("tenant.__partition-reader") == nil, "internal names stay hidden")
        let global = KafkaConfiguration(bootstrapServers: "b:1")
        #expect(global.logName("orders") == "orders")
        #expect(global.logName("__consumer_offsets") == nil)
    }

    @Test func topicNamesFollowKafkasRules() {
        #expect(configuration.topicNameProblem("order_pending") == nil)
        #expect(configuration.topicNameProblem("a.b-c_D9") == nil)
        #expect(configuration.topicNameProblem("") != nil)
        #expect(configuration.topicNameProblem("bad name!") != nil)
        #expect(configuration.topicNameProblem("ünicode") != nil)
        #expect(configuration.topicNameProblem(String(repeating: "x", count: 249)) != nil, "the namespace counts too")
        #expect(configuration.topicNameProblem(String(repeating: "x", count: 249 - 7)) == nil)
        #expect(KafkaConfiguration(bootstrapServers: "b:1").topicNameProblem("..") != nil)
    }
}

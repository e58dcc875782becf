import CRdKafka
import Foundation
import MessageLog
import Synchronization

/// The log API on a Kafka cluster, through librdkafka: an idempotent `acks=all` producer whose
/// records land on the partition the embedded log would choose for their key, consumer group
/// members that commit only when asked, and the admin calls Kafka has a meaning for (see
/// `KafkaLog+Admin.swift` for those it has not). Names are shown without `namespace`.
public final class KafkaLog: MessageLog, MessageLogAdmin {
    public let configuration: KafkaConfiguration
    let producer: KafkaProducer
    /// Reads single partitions for `read` (outside any group); used by one caller at a time.
    let reader: Mutex<PartitionReader?>
    private let state = Mutex(State())

    struct State {
        /// Partition counts of the topics seen so far, by cluster name.
        var partitionCounts: [String: Int] = [:]
        /// Groups with live members in this process, and the topics they read (cluster names).
        var liveMembers: [String: [Int: Set<String>]] = [:]
        var nextMember = 0
        var closed = false
    }

    /// Connects to `configuration.bootstrapServers`; fails when a setting is refused or the
    /// cluster does not answer a metadata request in time.
    public init(configuration: KafkaConfiguration) throws {
        self.configuration = configuration
        producer = try KafkaProducer(configuration: configuration)
        reader = Mutex(nil)
        let counts = try producer.client.partitionCounts()
        state.withLock { $0.partitionCounts = counts }
    }

    /// One metadata round trip to the cluster: throws when no broker answers in time.
    public func checkReachable() throws {
        try checkOpen()
        _ = try producer.client.partitionCounts()
    }

    public func ensureTopic(_ name: String, partitions: Int) throws {
        try checkOpen()
        if let problem = configuration.topicNameProblem(name) { throw KafkaLogError.invalidTopicName(name, reason: problem) }
        guard partitions > 0 else { throw KafkaLogError.badSetting(key: "partitions", reason: "a topic needs at least one partition") }
        let clusterTopic = configuration.clusterName(name)
        if try partitionCount(of: clusterTopic, refresh: true) == nil {
            try producer.client.createTopic(clusterTopic, partitions: partitions, replicationFactor: configuration.replicationFactor)
            try waitForTopic(clusterTopic)
        }
        let actual = try partitionCount(of: clusterTopic, refresh: false) ?? 0
        guard actual == partitions else {
            throw KafkaLogError.partitionCountMismatch(topic: name, expected: partitions, actual: actual)
        }
    }

    public func append(_ records: [ProducerRecord], to topic: String) async throws -> [RecordPosition] {
        try checkOpen()
        let clusterTopic = configuration.clusterName(topic)
        guard let partitions = try partitionCount(of: clusterTopic, refresh: false) ?? partitionCount(of: clusterTopic, refresh: true)
        else { throw KafkaLogError.unknownTopic(topic) }
        return try await producer.send(records, clusterTopic: clusterTopic, logTopic: topic, partitions: partitions)
    }

    public func subscribe(group: String, topics: [String]) throws -> any MessageConsumer {
        try subscribeMember(group: group, topics: topics)
    }

    /// Joins `group` reading `topics`, as the concrete consumer (with pause and resume).
    public func subscribeMember(group: String, topics: [String]) throws -> KafkaConsumer {
        try checkOpen()
        let clusterTopics = topics.map(configuration.clusterName)
        for (topic, clusterTopic) in zip(topics, clusterTopics) where try partitionCount(of: clusterTopic, refresh: false) == nil {
            guard try partitionCount(of: clusterTopic, refresh: true) != nil else { throw KafkaLogError.unknownTopic(topic) }
        }
        let clusterGroup = configuration.clusterName(group)
        let member = state.withLock { state in
            defer { state.nextMember += 1 }
            state.liveMembers[clusterGroup, default: [:]][state.nextMember] = Set(clusterTopics)
            return state.nextMember
        }
        let forget: @Sendable () -> Void = { [weak self] in
            self?.state.withLock { state in
                state.liveMembers[clusterGroup]?[member] = nil
                if state.liveMembers[clusterGroup]?.isEmpty == true { state.liveMembers[clusterGroup] = nil }
            }
        }
        do {
            return try KafkaConsumer(group: clusterGroup, clusterTopics: clusterTopics, configuration: configuration, onClose: forget)
        } catch {
            forget()
            throw error
        }
    }

    /// Flushes the producer (up to the request timeout) and releases the clients. Consumers
    /// subscribed through this log are closed by their owners.
    public func close() throws {
        guard state.withLock({ state in defer { state.closed = true }; return !state.closed }) else { return }
        producer.shutDown(flush: true, timeoutMillis: configuration.requestTimeoutMillis)
        reader.withLock { $0 = nil }
    }

    /// Drops the producer as a killed process would: nothing queued is waited for. Every
    /// acknowledged record is on the brokers already, so none of them is lost.
    public func abandonWithoutClosing() {
        guard state.withLock({ state in defer { state.closed = true }; return !state.closed }) else { return }
        producer.shutDown(flush: false, timeoutMillis: 0)
    }

    // MARK: Shared helpers

    func checkOpen() throws {
        if state.withLock({ $0.closed }) { throw KafkaLogError.closed }
    }

    /// The partition count of `clusterTopic`, from the cache or (with `refresh`) the cluster.
    func partitionCount(of clusterTopic: String, refresh: Bool) throws -> Int? {
        if !refresh { return state.withLock { $0.partitionCounts[clusterTopic] } }
        let counts = try producer.client.partitionCounts()
        state.withLock { $0.partitionCounts = counts }
        return counts[clusterTopic]
    }

    /// Topics in the namespace and their partition counts, by cluster name.
    func namespaceTopics() throws -> [String: Int] {
        _ = try partitionCount(of: "", refresh: true)
        return state.withLock { $0.partitionCounts }.filter { configuration.logName($0.key) != nil }
    }

    /// Groups with live members in this process, and the topics (cluster names) they read.
    var localMembers: [String: Set<String>] {
        state.withLock { $0.liveMembers.mapValues { $0.values.reduce(into: Set<String>()) { $0.formUnion($1) } } }
    }

    /// Waits until a topic just created shows in the metadata (creation propagates to brokers).
    private func waitForTopic(_ clusterTopic: String) throws {
        let deadline = ContinuousClock.now + .milliseconds(Int64(configuration.requestTimeoutMillis))
        while try partitionCount(of: clusterTopic, refresh: true) == nil {
            guard ContinuousClock.now < deadline else { throw KafkaLogError.timedOut(operation: "creating topic \(clusterTopic)") }
            usleep(50_000)
        }
    }
}

/// How `KafkaLog` reaches its cluster, and the librdkafka settings of its clients. The settings
/// that carry the log's promises (every acknowledged record on all in-sync replicas, no
/// duplicates from retries, commits only when the consumer asks) are fixed; `properties` passes
/// any other librdkafka setting through (security, timeouts, tuning).
public struct KafkaConfiguration: Sendable, Equatable {
    /// `host:port[,host:port…]` of one or more brokers.
    public var bootstrapServers: String
    /// Prefixed to every topic and group name on the cluster, so several logs (test runs, or
    /// deployments) can share it without seeing each other; the API shows names without it.
    public var namespace: String
    /// librdkafka settings given to every client, e.g. `security.protocol`, `linger.ms`.
    public var properties: [String: String]
    /// How long an admin or metadata call waits for the broker.
    public var requestTimeoutMillis: Int32
    /// Replicas of each topic `ensureTopic` creates; -1 takes the broker's default.
    public var replicationFactor: Int32

    public init(
        bootstrapServers: String, namespace: String = "", properties: [String: String] = [:],
        requestTimeoutMillis: Int32 = 10_000, replicationFactor: Int32 = -1
    ) {
        self.bootstrapServers = bootstrapServers
        self.namespace = namespace
        self.properties = properties
        self.requestTimeoutMillis = requestTimeoutMillis
        self.replicationFactor = replicationFactor
    }

    /// Settings the log relies on, with the reason; `properties` may repeat them but not change them.
    static let fixedProducerSettings: [String: (value: String, reason: String)] = [
        "acks": ("all", "an append is acknowledged only once every in-sync replica has it"),
        "enable.idempotence": ("true", "a retried send must not store a record twice or out of order"),
    ]
    /// Settings librdkafka knows for one kind of client only: `properties` holds settings for
    /// every client, and each kind is given only its own, so that neither logs a warning that it
    /// ignores the other's at start.
    static let consumerOnly: Set<String> = [
        "group.instance.id", "session.timeout.ms", "heartbeat.interval.ms", "max.poll.interval.ms",
        "partition.assignment.strategy", "group.protocol.type", "coordinator.query.interval.ms",
        "auto.commit.interval.ms", "auto.offset.reset", "queued.min.messages", "queued.max.messages.kbytes",
        "fetch.wait.max.ms", "fetch.queue.backoff.ms", "fetch.message.max.bytes", "max.partition.fetch.bytes",
        "fetch.max.bytes", "fetch.min.bytes", "fetch.error.backoff.ms", "isolation.level", "check.crcs",
        "enable.auto.commit", "enable.auto.offset.store", "enable.partition.eof", "allow.auto.create.topics",
    ]
    static let producerOnly: Set<String> = [
        "acks", "request.required.acks", "enable.idempotence", "linger.ms", "queue.buffering.max.ms",
        "queue.buffering.max.messages", "queue.buffering.max.kbytes", "batch.num.messages", "batch.size",
        "compression.type", "compression.codec", "compression.level", "message.timeout.ms", "delivery.timeout.ms",
        "request.timeout.ms", "partitioner", "transactional.id", "transaction.timeout.ms", "enable.gapless.guarantee",
        "max.in.flight.requests.per.connection", "max.in.flight", "retries", "message.send.max.retries",
        "sticky.partitioning.linger.ms", "queuing.strategy",
    ]

    static let fixedConsumerSettings: [String: (value: String, reason: String)] = [
        "enable.auto.commit": ("false", "offsets are committed only after the consumer's transaction"),
        "enable.auto.offset.store": ("false", "offsets are committed only after the consumer's transaction"),
        "enable.partition.eof": ("false", "the log API has no end-of-partition events"),
        "allow.auto.create.topics": ("false", "topics are created by ensureTopic with their partition count"),
    ]

    /// Checks `properties` as the clients would take them, without connecting: a property that
    /// would change a setting the log relies on, or name the servers or a group, is refused.
    /// - Throws: `KafkaLogError.badSetting` naming the property.
    public func validate() throws {
        _ = try producerProperties()
        _ = try consumerProperties(group: "validate")
    }

    /// The producer's settings: the passthrough ones, the bootstrap servers and the fixed ones.
    /// `linger.ms` defaults to 0, not librdkafka's 5: every append awaits its acknowledgement,
    /// so a wait to fill batches is latency on every saga hop; under load records still batch
    /// behind the requests in flight (`make bench-kafka`: 8× the records/s of 5 ms there).
    func producerProperties() throws -> [String: String] {
        try merged(Self.fixedProducerSettings, extra: ["linger.ms": "0"]).filter { !Self.consumerOnly.contains($0.key) }
    }

    /// A consumer's settings as a member of `group` (its name on the cluster).
    func consumerProperties(group: String) throws -> [String: String] {
        var settings = try merged(Self.fixedConsumerSettings, extra: ["auto.offset.reset": "earliest"])
            .filter { !Self.producerOnly.contains($0.key) }
        settings["group.id"] = group
        return settings
    }

    private func merged(
        _ fixed: [String: (value: String, reason: String)], extra defaults: [String: String]
    ) throws -> [String: String] {
        if properties["bootstrap.servers"].map({ $0 != bootstrapServers }) == true {
            throw KafkaLogError.badSetting(key: "bootstrap.servers", reason: "set it as bootstrapServers, not as a property")
        }
        if properties["group.id"] != nil {
            throw KafkaLogError.badSetting(key: "group.id", reason: "the group is named by subscribe(group:topics:)")
        }
        var settings = defaults.merging(properties) { _, given in given }
        for (key, setting) in fixed {
            if let given = properties[key], given != setting.value {
                throw KafkaLogError.badSetting(key: key, reason: "must be \(setting.value): \(setting.reason)")
            }
            settings[key] = setting.value
        }
        settings["bootstrap.servers"] = bootstrapServers
        return settings
    }

    // MARK: Names on the cluster

    /// The cluster's name for the log's topic or group `name`.
    func clusterName(_ name: String) -> String { namespace + name }

    /// The log's name for the cluster's topic or group `name`; nil when outside the namespace.
    func logName(_ name: String) -> String? {
        guard name.hasPrefix(namespace) else { return nil }
        let rest = String(name.dropFirst(namespace.count))
        return rest.isEmpty || rest.hasPrefix("__") ? nil : rest
    }

    /// Why `name` (with the namespace) cannot be a Kafka topic, or nil when it can: Kafka allows
    /// ASCII letters, digits, `.`, `_` and `-`, up to 249 characters, and not `.` or `..`.
    func topicNameProblem(_ name: String) -> String? {
        let full = clusterName(name)
        if name.isEmpty { return "it is empty" }
        if full.utf8.count > 249 { return "Kafka allows at most 249 characters (namespace included)" }
        if full == "." || full == ".." { return "Kafka does not allow \".\" or \"..\"" }
        let allowed = full.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
        }
        return allowed ? nil : "Kafka allows only ASCII letters, digits, '.', '_' and '-'"
    }
}

import Foundation
import KafkaLog
import Logging
import MessageLog
import SagaLog

/// The log the saga runs on (`log.backend`).
public enum LogBackend: String, Sendable, Equatable, CaseIterable {
    /// SagaLog, the segmented log under `<state_dir>/data/log`: the default.
    case embedded
    /// KafkaLog on the cluster `kafka.bootstrap_servers` names.
    case kafka
}

/// Where the services keep their state (`state.backend`).
public enum StateBackend: String, Sendable, Equatable {
    /// A database per service under `<state_dir>/data`: the default.
    case sqlite
    /// A schema per service in the PostgreSQL database `postgres.url` names, shared by every
    /// instance pointed at it.
    case postgres
}

/// `log.backend` and the `kafka.*` keys: which log to open, and for Kafka how to reach it.
public struct LogBackendSettings: Sendable, Equatable {
    public var backend = LogBackend.embedded
    /// `host:port[,host:port…]`; required when `backend` is `.kafka`.
    public var bootstrapServers: String? = nil
    /// Prefixed to every topic and group on the cluster.
    public var namespace = ""
    /// librdkafka settings passed through to every client.
    public var properties: [String: String] = [:]

    public init() {}

    /// The Kafka client settings, or nil on the embedded backend.
    /// - Throws: `ConfigurationError` when Kafka is chosen without bootstrap servers, or a
    ///   property would change a setting the log relies on (or is not librdkafka's to take).
    public func kafkaConfiguration() throws(ConfigurationError) -> KafkaConfiguration? {
        guard backend == .kafka else { return nil }
        guard let bootstrapServers else {
            throw ConfigurationError(key: "kafka.bootstrap_servers", reason: "is required when log.backend is kafka")
        }
        let configuration = KafkaConfiguration(bootstrapServers: bootstrapServers, namespace: namespace, properties: properties)
        do {
            try configuration.validate()
        } catch let error as KafkaLogError {
            throw ConfigurationError(key: "kafka.properties", reason: error.description)
        } catch {
            throw ConfigurationError(key: "kafka.properties", reason: "\(error)")
        }
        return configuration
    }

    /// Opens the chosen log: SagaLog (recovering it) under `directory`, or KafkaLog, which
    /// connects to the cluster and fails when it does not answer in time. On Kafka the lock
    /// SagaLog would hold (`directory/.lock`) is taken and returned, so the state directory
    /// (the services' databases) still has one owner.
    func open(
        directory: String, log: LogConfiguration, logger: Logger
    ) throws -> (log: any MessageLog & MessageLogAdmin, lock: DirectoryLock?) {
        guard let kafka = try kafkaConfiguration() else {
            return (try SagaLog.open(directory: directory, configuration: log, logger: logger), nil)
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lock = try DirectoryLock(path: directory + "/.lock")
        logger.info("log on Kafka", metadata: ["bootstrap_servers": "\(kafka.bootstrapServers)", "namespace": "\(kafka.namespace)"])
        do {
            return (try KafkaLog(configuration: kafka), lock)
        } catch {
            lock.release()
            throw error
        }
    }
}

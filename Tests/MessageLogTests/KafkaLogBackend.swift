import Foundation
import KafkaLog
import MessageLog

extension MessageLogBackend {
    /// KafkaLog on the cluster at `bootstrap` (the emulator `make test-cluster` starts). Each
    /// log under test gets a namespace of its own, from its directory's unique name, so tests
    /// and runs never see each other's topics or groups, and a reopen finds the same ones.
    /// Offsets are not promised dense: Kafka leaves gaps (transaction markers, compaction).
    /// Acknowledged records are on the broker (`acks=all`), so they survive the producing
    /// process dying: `.processCrash` holds.
    static func kafka(bootstrap: String) -> MessageLogBackend {
        MessageLogBackend(
            name: "KafkaLog(\(bootstrap))", denseOffsets: false, durability: .processCrash,
            open: { directory in
                let unique = URL(fileURLWithPath: directory).lastPathComponent
                return try KafkaLog(configuration: KafkaConfiguration(
                    bootstrapServers: bootstrap, namespace: "conformance.\(unique).",
                    properties: ["heartbeat.interval.ms": "300", "log_level": "3"]))
            },
            abandon: { log in (log as! KafkaLog).abandonWithoutClosing() })
    }

    /// The Kafka backend when `SAGAD_KAFKA_BOOTSTRAP` names a running broker, else none.
    static var kafkaFromEnvironment: [MessageLogBackend] {
        ProcessInfo.processInfo.environment["SAGAD_KAFKA_BOOTSTRAP"].map { [.kafka(bootstrap: $0)] } ?? []
    }
}

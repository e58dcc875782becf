import Foundation
import Logging
import SagaLog
import Testing

@testable import KafkaLog

/// A key lands on the same partition number on Kafka as on the embedded log, so moving a
/// deployment between backends keeps each key's records on one partition.
@Suite struct KafkaPartitioningTests {
    @Test(arguments: [1, 3, 7, 16])
    func kafkaChoosesThePartitionTheEmbeddedLogStoresAKeyIn(partitions: Int) async throws {
        let directory = NSTemporaryDirectory() + "/kafka-partitioning-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var logger = Logger(label: "partitioning")
        logger.logLevel = .critical
        let log = try SagaLog.open(directory: directory, configuration: LogConfiguration(), logger: logger)
        defer { try? log.close() }
        try log.ensureTopic("orders", partitions: partitions)
        let keys = (0..<1000).map { "order-\($0)" } + ["", "ü", String(repeating: "k", count: 300)]
        let positions = try await log.append(keys.map { ProducerRecord(key: $0, value: []) }, to: "orders")
        let mismatched = zip(keys, positions).filter { key, position in
            KafkaProducer.partition(for: Array(key.utf8), partitions: partitions) != position.partition
        }
        #expect(mismatched.isEmpty, "\(mismatched.prefix(5).map { "\($0.0) → \($0.1)" })")
        if partitions > 1 {
            #expect(Set(positions.map(\.partition)).count == partitions, "keys should spread over every partition")
        }
    }
}

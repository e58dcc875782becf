import Foundation
import Logging
@testable import SagaLog

/// A fresh directory under the system temp dir, removed when the value is dropped.
final class TemporaryDirectory: @unchecked Sendable {
    let path: String

    init(_ name: String = "sagalog") {
        path = NSTemporaryDirectory() + "/\(name)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

extension LogConfiguration {
    /// Small segments and index intervals so tests cross segment boundaries quickly.
    static func small(segmentBytes: Int64 = 4096, durability: DurabilityPolicy = .always) -> LogConfiguration {
        var configuration = LogConfiguration()
        configuration.segmentBytes = segmentBytes
        configuration.indexIntervalBytes = 256
        configuration.maxRecordBytes = Int(segmentBytes) - 64
        configuration.durability = durability
        return configuration
    }
}

let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

func record(_ key: String, _ value: String, headers: [RecordHeader] = []) -> ProducerRecord {
    ProducerRecord(key: key, value: Array(value.utf8), headers: headers)
}

func text(_ record: LogRecord) -> String { String(decoding: record.value, as: UTF8.self) }

/// Reads every record of a partition from its start.
func readAll(_ log: SagaLog, topic: String, partition: Int) throws -> [LogRecord] {
    var records: [LogRecord] = []
    let start = try log.partition(TopicPartition(topic: topic, partition: partition)).startOffset
    var next = start
    while true {
        let batch = try log.read(topic: topic, partition: partition, from: next, maxRecords: 1000)
        if batch.isEmpty { return records }
        records += batch
        next = batch.last!.offset + 1
    }
}

/// The data files of a partition, oldest first.
func segmentFiles(_ log: SagaLog, topic: String, partition: Int) throws -> [String] {
    let directory = "\(log.directory)/\(topic)-\(partition)"
    return try FileManager.default.contentsOfDirectory(atPath: directory)
        .filter { $0.hasSuffix(".log") }.sorted().map { directory + "/" + $0 }
}

import Dispatch
import Foundation
import Logging
import Synchronization
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

/// Polls `condition` every few milliseconds until it holds or `timeout` passes; returns
/// whether it held. Tests wait on conditions with a deadline rather than fixed sleeps.
func waitUntil(timeout: Duration = .seconds(5), _ condition: () throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while true {
        if try condition() { return true }
        if clock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(2))
    }
}

extension SagaLog {
    /// Statistics of one partition (counters included).
    func statistics(_ topic: String, _ partition: Int) throws -> PartitionStatistics {
        try self.partition(TopicPartition(topic: topic, partition: partition)).statistics
    }
}

/// Holds a partition's `fdatasync` (through `Partition.setSyncFault`) until released, so a test
/// can act while a record is written but not yet durable. Gives up after 10 s so a broken
/// test cannot hang the suite.
final class SyncGate: Sendable {
    private let state = Mutex((entered: false, released: false))
    private let opened = DispatchSemaphore(value: 0)

    var entered: Bool { state.withLock { $0.entered } }

    /// Called on the writer thread in place of the sync's start; blocks until `release`.
    func hold() {
        let wait = state.withLock { state -> Bool in
            state.entered = true
            return !state.released
        }
        if wait { _ = opened.wait(timeout: .now() + 10) }
    }

    func release() {
        let wake = state.withLock { state -> Bool in
            defer { state.released = true }
            return !state.released
        }
        if wake { opened.signal() }
    }
}

/// Logs nothing, not even the critical line a stopped partition writes (tests that stop one on purpose).
let silentLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

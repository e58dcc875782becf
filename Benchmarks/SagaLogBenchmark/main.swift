import Foundation
import Logging
import SagaLog

// `make bench`: append and read throughput of SagaLog next to raw-disk baselines measured in
// the same run. Every figure is the median of `runs` runs; ratios compare medians.

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return fallback }
    return arguments[i + 1]
}
let root = option("--dir", "./var/bench")
let runs = Int(option("--runs", "3"))!
let seconds = Double(option("--seconds", "0.6"))!
let window = Duration.milliseconds(Int(seconds * 1000))
try? FileManager.default.removeItem(atPath: root)
try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)

let quiet: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    return logger
}()

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
func measure(_ body: () async throws -> Double) async rethrows -> Double {
    var values: [Double] = []
    for _ in 0..<runs { values.append(try await body()) }
    return median(values)
}
func formatted(_ value: Double) -> String {
    switch value {
    case 1e6...: String(format: "%.2fM", value / 1e6)
    case 1e3...: String(format: "%.1fk", value / 1e3)
    default: String(format: "%.0f", value)
    }
}
func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }

/// A fresh log with one single-partition topic.
func freshLog(_ policy: DurabilityPolicy) throws -> SagaLog {
    var configuration = LogConfiguration()
    configuration.durability = policy
    configuration.segmentBytes = 256 << 20
    return try SagaLog.open(directory: "\(root)/log-\(UUID().uuidString)", configuration: configuration, logger: quiet)
}

/// Records/s acknowledged by `appenders` tasks, each appending `perCall` records a call.
func appendRate(policy: DurabilityPolicy, recordBytes: Int, appenders: Int, perCall: Int) async throws -> Double {
    let log = try freshLog(policy)
    defer { try? log.close(); try? FileManager.default.removeItem(atPath: log.directory) }
    try log.createTopic("bench", partitions: 1)
    let payload = [UInt8](repeating: 0x61, count: recordBytes - 36 - 8)  // frame overhead + key
    let batch = (0..<perCall).map { _ in ProducerRecord(key: Array("key-0001".utf8), value: payload, timestampMillis: 0) }
    let clock = ContinuousClock()
    let start = clock.now
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<appenders {
            group.addTask {
                var count = 0
                while clock.now - start < window {
                    _ = try await log.appendRecords(batch, to: "bench")
                    count += perCall
                }
                return count
            }
        }
        return try await group.reduce(0, +)
    }
    return Double(total) / (clock.now - start).seconds
}

/// Records/s read by one consumer polling batches of 1000 from a prepared topic.
func readRate(records: Int, recordBytes: Int) async throws -> Double {
    let log = try freshLog(.never)
    defer { try? log.close(); try? FileManager.default.removeItem(atPath: log.directory) }
    try log.createTopic("bench", partitions: 1)
    let payload = [UInt8](repeating: 0x61, count: recordBytes - 44)
    let chunk = (0..<1000).map { _ in ProducerRecord(key: Array("key-0001".utf8), value: payload, timestampMillis: 0) }
    for _ in 0..<(records / 1000) { _ = try await log.appendRecords(chunk, to: "bench") }
    let consumer = try log.consumer(group: "bench", topics: ["bench"])
    let clock = ContinuousClock()
    let start = clock.now
    var read = 0
    while read < records {
        read += try await consumer.poll(maxRecords: 1000, timeout: .seconds(1)).count
    }
    return Double(read) / (clock.now - start).seconds
}

print("SagaLog benchmark — \(runs) runs per figure (median), \(seconds)s per run, files in \(root)")
print("")
let rawSequential = await measure { RawDiskBaseline.sequentialWrite(directory: root, totalBytes: 256 << 20, chunk: 1 << 20) }
let rawSync100 = await measure { RawDiskBaseline.syncPerRecord(directory: root, recordBytes: 100, duration: window) }
let rawSync1k = await measure { RawDiskBaseline.syncPerRecord(directory: root, recordBytes: 1024, duration: window) }
let rawBatch100 = await measure {
    RawDiskBaseline.syncPerBatch(directory: root, recordBytes: 100, recordsPerSync: 100, duration: window)
}
print("Raw disk baseline (same run, same filesystem)")
print("  sequential write, 1 MiB chunks:           \(String(format: "%.0f", rawSequential / 1e6)) MB/s")
print("  write + fdatasync per 100 B record:       \(formatted(rawSync100)) records/s")
print("  write + fdatasync per 1 KiB record:       \(formatted(rawSync1k)) records/s")
print("  write of 100 x 100 B + fdatasync:         \(formatted(rawBatch100)) records/s")
print("")
print(pad("policy", 14) + pad("record", 8) + pad("appenders", 11) + pad("per call", 10)
    + pad("records/s", 12) + pad("MB/s", 9) + "vs baseline")
for policy in [DurabilityPolicy.never, .interval(milliseconds: 100), .always] {
    for recordBytes in [100, 1024] {
        for (appenders, perCall) in [(1, 1), (64, 1), (1, 100), (64, 100)] {
            let rate = try await measure {
                try await appendRate(policy: policy, recordBytes: recordBytes, appenders: appenders, perCall: perCall)
            }
            let megabytes = rate * Double(recordBytes) / 1e6
            let comparison: String
            if policy == .always {
                let base = recordBytes == 100 ? rawSync100 : rawSync1k
                comparison = String(format: "%.1fx fdatasync-per-record", rate / base)
            } else {
                comparison = String(format: "%.0f%% of sequential write", 100 * megabytes * 1e6 / rawSequential)
            }
            print(pad("\(policy)", 14) + pad("\(recordBytes) B", 8) + pad("\(appenders)", 11) + pad("\(perCall)", 10)
                + pad(formatted(rate), 12) + pad(String(format: "%.1f", megabytes), 9) + comparison)
        }
    }
}
print("")
for recordBytes in [100, 1024] {
    let rate = try await measure { try await readRate(records: 500_000, recordBytes: recordBytes) }
    print("consumer read, \(recordBytes) B records, batches of 1000: \(formatted(rate)) records/s, "
        + String(format: "%.0f MB/s", rate * Double(recordBytes) / 1e6))
}
try? FileManager.default.removeItem(atPath: root)

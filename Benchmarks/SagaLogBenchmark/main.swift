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

/// Records/s acknowledged by `appenders` tasks, each appending `perCall` records a call, for
/// the window; the clean close (which syncs whatever is not yet on disk) is inside the timing.
func appendRate(policy: DurabilityPolicy, recordBytes: Int, appenders: Int, perCall: Int) async throws -> Double {
    let log = try freshLog(policy)
    defer { try? FileManager.default.removeItem(atPath: log.directory) }
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
    try log.close()
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
print("Each row's baseline is measured right before it, on the same filesystem: the disk's flush")
print("rate changes by 30x between phases on these machines, so only same-moment ratios mean much.")
print("")
print(pad("policy", 16) + pad("record", 8) + pad("appenders", 11) + pad("per call", 10)
    + pad("records/s", 12) + pad("MB/s", 9) + pad("baseline", 22) + "ratio")
var ratios: [String: Double] = [:]
for policy in [DurabilityPolicy.never, .interval(milliseconds: 100), .always] {
    for recordBytes in [100, 1024] {
        for (appenders, perCall) in [(1, 1), (64, 1), (1, 100), (64, 100)] {
            var pairs: [(ours: Double, base: Double)] = []
            for _ in 0..<runs {
                let base = policy == .always
                    ? RawDiskBaseline.syncPerRecord(directory: root, recordBytes: recordBytes, duration: window / 2)
                    : RawDiskBaseline.sequentialWrite(directory: root, duration: window / 2, chunk: 1 << 20)
                let ours = try await appendRate(policy: policy, recordBytes: recordBytes, appenders: appenders, perCall: perCall)
                pairs.append((ours, base))
            }
            let rate = median(pairs.map(\.ours))
            let megabytes = rate * Double(recordBytes) / 1e6
            let ratio = median(pairs.map { policy == .always ? $0.ours / $0.base : $0.ours * Double(recordBytes) / $0.base })
            let baseline = policy == .always
                ? "\(formatted(median(pairs.map(\.base)))) fsync/s"
                : String(format: "%.0f MB/s write", median(pairs.map(\.base)) / 1e6)
            let ratioText = policy == .always ? String(format: "%.1fx", ratio) : String(format: "%.0f%%", ratio * 100)
            ratios["\(policy) \(recordBytes) \(appenders) \(perCall)"] = ratio
            print(pad("\(policy)", 16) + pad("\(recordBytes) B", 8) + pad("\(appenders)", 11) + pad("\(perCall)", 10)
                + pad(formatted(rate), 12) + pad(String(format: "%.1f", megabytes), 9) + pad(baseline, 22) + ratioText)
        }
    }
}
print("")
print("Ratios: never/interval rows are our bytes/s over a plain sequential write + fdatasync of the")
print("same duration; always rows are acknowledged records/s over write+fdatasync per record.")
print("")
for recordBytes in [100, 1024] {
    let rate = try await measure { try await readRate(records: 500_000, recordBytes: recordBytes) }
    print("consumer read, \(recordBytes) B records, batches of 1000: \(formatted(rate)) records/s, "
        + String(format: "%.0f MB/s", rate * Double(recordBytes) / 1e6))
}
try? FileManager.default.removeItem(atPath: root)

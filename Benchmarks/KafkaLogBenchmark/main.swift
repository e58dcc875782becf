import Foundation
import KafkaLog
import Logging
import SagaLog

// `make bench-kafka`: append throughput of KafkaLog on the broker `--bootstrap` names (the
// emulator the make target starts) next to SagaLog on local disk, in the same run, through the
// same `MessageLog` API: `--appenders` tasks each appending one small record a call, for
// `--seconds`, into a topic of `--partitions` partitions. Figures are medians of `--runs` runs.

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return fallback }
    return arguments[i + 1]
}
let bootstrap = option("--bootstrap", "127.0.0.1:9092")
let root = option("--dir", "./var/bench-kafka")
let runs = Int(option("--runs", "3"))!
let seconds = Double(option("--seconds", "3"))!
let appenders = Int(option("--appenders", "64"))!
let partitions = Int(option("--partitions", "3"))!
let recordBytes = Int(option("--record-bytes", "100"))!
/// librdkafka's `linger.ms`: how long the producer waits to fill a batch (KafkaLog's default: 0).
let lingerMillis = option("--linger-ms", "0")
try? FileManager.default.removeItem(atPath: root)
try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: root) }

/// A fresh log, ready to append to topic "bench", and how to close it.
struct Subject {
    let log: any MessageLog
    let close: () throws -> Void
}

func sagaLog() throws -> Subject {
    var logger = Logger(label: "bench")
    logger.logLevel = .error
    let log = try SagaLog.open(directory: "\(root)/log-\(UUID().uuidString)", configuration: LogConfiguration(), logger: logger)
    try log.ensureTopic("bench", partitions: partitions)
    return Subject(log: log, close: log.close)
}

func kafkaLog() throws -> Subject {
    let log = try KafkaLog(configuration: KafkaConfiguration(
        bootstrapServers: bootstrap, namespace: "bench.\(UUID().uuidString).", properties: ["log_level": "3", "linger.ms": lingerMillis]))
    try log.ensureTopic("bench", partitions: partitions)
    return Subject(log: log, close: log.close)
}

/// Records/s acknowledged, and the median append latency in ms, for one run.
func appendRate(_ open: () throws -> Subject) async throws -> (rate: Double, medianMillis: Double) {
    let subject = try open()
    let log = subject.log
    let payload = [UInt8](repeating: 0x61, count: recordBytes)
    let clock = ContinuousClock()
    let start = clock.now
    let window = Duration.milliseconds(Int(seconds * 1000))
    let results = try await withThrowingTaskGroup(of: [Double].self) { group in
        for appender in 0..<appenders {
            group.addTask {
                var latencies: [Double] = []
                var n = 0
                while clock.now - start < window {
                    let record = ProducerRecord(key: Array("order-\(appender)-\(n)".utf8), value: payload)
                    let began = clock.now
                    _ = try await log.append([record], to: "bench")
                    latencies.append((clock.now - began) / .milliseconds(1))
                    n += 1
                }
                return latencies
            }
        }
        return try await group.reduce(into: []) { $0 += $1 }
    }
    let elapsed = (clock.now - start) / .seconds(1)
    try subject.close()
    return (Double(results.count) / elapsed, results.sorted()[results.count / 2])
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

print("append, \(appenders) appenders, 1 record of \(recordBytes) B a call, \(partitions) partitions, median of \(runs) × \(seconds) s")
var rates: [String: Double] = [:]
for (name, open) in [("SagaLog (always: fdatasync)", sagaLog), ("KafkaLog on the emulator, linger.ms \(lingerMillis)", kafkaLog)] {
    var measured: [(rate: Double, medianMillis: Double)] = []
    for _ in 0..<runs { measured.append(try await appendRate(open)) }
    let rate = median(measured.map(\.rate))
    rates[name] = rate
    let figures = String(format: "%9.0f records/s   median latency %6.2f ms", rate, median(measured.map(\.medianMillis)))
    print("  " + name.padding(toLength: 40, withPad: " ", startingAt: 0) + figures)
}
if let saga = rates.first(where: { $0.key.hasPrefix("SagaLog") })?.value, let kafka = rates.first(where: { $0.key.hasPrefix("KafkaLog") })?.value {
    print(String(format: "  KafkaLog / SagaLog: %.2f×", kafka / saga))
}

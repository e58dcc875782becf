import Foundation
import KafkaLog
import Logging
import MessageLog
import PostgresNIO
import SagaLog
import SagaMessaging
import SagaPostgres
import ServiceStorePostgres

// The rows of `make bench-cluster`: the saga's services with their state in PostgreSQL, as
// 1, 2 or 3 instances sharing one database and one log (Kafka when --kafka names a broker, else
// the embedded log, fsync always), each instance with its own connections and log client. The
// instances run in this one process: sagad does not run on PostgreSQL yet. `--concurrency`
// tasks place orders round-robin through the instances until `--orders` are placed; the figure
// is orders settled per second, from the first placement to the last settlement.
// Every run is in a database of its own, created on the server and dropped after.
// usage: ClusterBenchmark --postgres URL [--kafka HOST:PORT] [--instances N] [--orders N]
//        [--concurrency C] [--partitions P] [--dir DIR] [--baseline] [--porcelain]

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return fallback }
    return arguments[i + 1]
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
}

var logger = Logger(label: "cluster-bench")
logger.logLevel = .error
let adminEndpoint = try PostgresEndpoint(url: option("--postgres", ""))

/// Runs `sql` on a connection of its own to `endpoint`.
func run(_ sql: String, on endpoint: PostgresEndpoint) async throws {
    let connection = try await PostgresConnection.connect(configuration: endpoint.connectionConfiguration(), id: 0, logger: logger)
    defer { Task { try? await connection.close() } }
    try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
}

/// Durable single-row commits per second on one connection, for 2 s: the server's baseline.
func commitsPerSecond(on endpoint: PostgresEndpoint) async throws -> Double {
    let connection = try await PostgresConnection.connect(configuration: endpoint.connectionConfiguration(), id: 0, logger: logger)
    defer { Task { try? await connection.close() } }
    try await connection.query("CREATE TABLE IF NOT EXISTS baseline (n BIGINT)", logger: logger)
    let start = ContinuousClock.now
    var count = 0
    while ContinuousClock.now - start < .seconds(2) {
        try await connection.query("INSERT INTO baseline VALUES (\(count))", logger: logger)  // autocommit: one commit each
        count += 1
    }
    let elapsed = start.duration(to: .now)
    return Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

var endpoint = adminEndpoint
endpoint.database = "bench_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
try await run("CREATE DATABASE \(endpoint.database)", on: adminEndpoint)
defer { Task { try? await run("DROP DATABASE \(endpoint.database) WITH (FORCE)", on: adminEndpoint) } }

if arguments.contains("--baseline") {
    let rate = try await commitsPerSecond(on: endpoint)
    try await run("DROP DATABASE \(endpoint.database) WITH (FORCE)", on: adminEndpoint)
    print(String(format: "%.0f", rate))
    exit(0)
}

let instanceCount = Int(option("--instances", "1")) ?? 1
let orderCount = Int(option("--orders", "2000")) ?? 2000
let concurrency = Int(option("--concurrency", "32")) ?? 32
let partitions = Int(option("--partitions", "6")) ?? 6
let kafka = option("--kafka", "")

// The log: one Kafka client per instance, or one embedded log shared by them all.
var logs: [any MessageLog & MessageLogAdmin] = []
var closeLogs: [() -> Void] = []
if kafka.isEmpty {
    let directory = option("--dir", "./var/bench") + "/cluster-\(UUID().uuidString)"
    let log = try SagaLog.open(directory: directory, configuration: LogConfiguration(), logger: logger)
    logs = Array(repeating: log, count: instanceCount)
    closeLogs = [{ try? log.close(); try? FileManager.default.removeItem(atPath: directory) }]
} else {
    let configuration = KafkaConfiguration(
        bootstrapServers: kafka, namespace: "bench.\(UUID().uuidString.prefix(8)).", properties: ["log_level": "3"])
    for _ in 0..<instanceCount {
        let log = try KafkaLog(configuration: configuration)
        logs.append(log)
        closeLogs.append { try? log.close() }
    }
}
for type in SagaEventType.allCases {
    try logs[0].ensureTopic(type.topic, partitions: partitions)
    try logs[0].ensureTopic(type.deadLetterTopic, partitions: 1)
}

var stores: [PostgresStore] = []
var instances: [PostgresSagaInstance] = []
for index in 0..<instanceCount {
    let store = PostgresStore(endpoint: endpoint, logger: logger, maximumConnections: 4)
    stores.append(store)
    instances.append(try await PostgresSagaInstance(store: store, log: logs[index], logger: logger))
}
let running = instances.map { instance in Task { await instance.run() } }
try await instances[0].checkout.host.write { db in
    try db.run("INSERT INTO accounts (id, balance_cents) VALUES ('bench', 1000000000000)")
    try db.run("INSERT INTO deposits (account_id, amount_cents, at) VALUES ('bench', 1000000000000, 0)")
}

let start = ContinuousClock.now
try await withThrowingTaskGroup(of: Void.self) { group in
    let perTask = orderCount / concurrency
    for index in 0..<concurrency {
        let share = perTask + (index < orderCount % concurrency ? 1 : 0)
        group.addTask {
            for n in 0..<share { try await instances[(index + n) % instanceCount].place(accountID: "bench", amountCents: 100) }
        }
    }
    try await group.waitForAll()
}
// Settled: finished (nothing fails here). Polled from the order schema every 20 ms.
let deadline = ContinuousClock.now + .seconds(600)
var settled = 0
while settled < orderCount {
    guard ContinuousClock.now < deadline else { throw BenchmarkError(description: "only \(settled) of \(orderCount) settled in 600 s") }
    settled = try await stores[0].client.query("SELECT COUNT(*) FROM orders.orders WHERE status = 'finished'", logger: logger)
        .collect().first?.decode(Int.self) ?? 0
    if settled < orderCount { try await Task.sleep(for: .milliseconds(20)) }
}
let elapsed = start.duration(to: .now)
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18

for task in running { task.cancel() }
for task in running { await task.value }
for instance in instances { await instance.close() }
for store in stores { await store.close() }
for close in closeLogs { close() }
try await run("DROP DATABASE \(endpoint.database) WITH (FORCE)", on: adminEndpoint)

let perSecond = Double(orderCount) / seconds
if arguments.contains("--porcelain") {
    print(String(format: "%.0f", perSecond))
} else {
    print(String(format: "%d instance(s), %d orders, concurrency %d: %.0f orders/s", instanceCount, orderCount, concurrency, perSecond))
}

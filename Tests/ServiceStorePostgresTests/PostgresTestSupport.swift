import Foundation
import Logging
import MessageLog
import PostgresNIO
import SagaLog
import SagaMessaging
import Synchronization

@testable import ServiceStorePostgres

/// The server the PostgreSQL tests run against, when the environment names one
/// (Tests/postgres-tests.sh starts a private one and sets it).
let postgresURL = ProcessInfo.processInfo.environment["SAGAD_POSTGRES_URL"]

/// The Kafka broker the tests that also need one use (Tests/cluster-tests.sh starts the emulator).
let kafkaBootstrap = ProcessInfo.processInfo.environment["SAGAD_KAFKA_BOOTSTRAP"]

/// Warnings and errors only: the migrator's and relay's info lines would drown the test output.
let testLogger = {
    var logger = Logger(label: "service-store-postgres-tests")
    logger.logLevel = .warning
    return logger
}()

/// A database of its own for one test, created on the server of `SAGAD_POSTGRES_URL` and
/// dropped by ``drop()``, so that tests do not see each other's schemas.
struct TestDatabase {
    let endpoint: PostgresEndpoint
    private let admin: PostgresEndpoint

    static func fresh() async throws -> TestDatabase {
        let admin = try PostgresEndpoint(url: postgresURL ?? "")
        var endpoint = admin
        endpoint.database = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await Self.run("CREATE DATABASE \(endpoint.database)", on: admin)
        return TestDatabase(endpoint: endpoint, admin: admin)
    }

    /// A new pool on this database (each is a separate "instance").
    func store() -> PostgresStore { PostgresStore(endpoint: endpoint, logger: testLogger, maximumConnections: 4) }

    func drop() async throws {
        try await Self.run("DROP DATABASE \(endpoint.database) WITH (FORCE)", on: admin)
    }

    private static func run(_ sql: String, on endpoint: PostgresEndpoint) async throws {
        let connection = try await PostgresConnection.connect(configuration: endpoint.connectionConfiguration(), id: 0, logger: testLogger)
        defer { Task { try? await connection.close() } }
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: testLogger)
    }
}

/// Runs `body` with a fresh database and a store on it, closing and dropping both afterwards.
func withFreshStore(_ body: (TestDatabase, PostgresStore) async throws -> Void) async throws {
    let database = try await TestDatabase.fresh()
    let store = database.store()
    do {
        try await body(database, store)
    } catch {
        await store.close()
        try? await database.drop()
        throw error
    }
    await store.close()
    try await database.drop()
}

/// Every string the query's first column returns.
func strings(_ sql: String, on client: PostgresClient) async throws -> [String] {
    var result: [String] = []
    for try await value in try await client.query(PostgresQuery(unsafeSQL: sql), logger: testLogger).decode(String.self) {
        result.append(value)
    }
    return result
}

/// A log in memory that records every append in order; it fails appends while `failing` is set
/// (and cannot be subscribed to: the relay only appends).
final class RecordingLog: MessageLog {
    struct AppendError: Error {}
    typealias Hook = @Sendable () async throws -> Void
    private let state = Mutex<(appended: [(topic: String, record: ProducerRecord)], failing: Bool, hook: Hook?)>(([], false, nil))

    var appended: [(topic: String, record: ProducerRecord)] { state.withLock { $0.appended } }
    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }
    /// Runs `hook` once, inside the next append, before it records anything.
    func duringNextAppend(_ hook: @escaping Hook) { state.withLock { $0.hook = hook } }

    /// The values appended to `topic`, as strings, in append order.
    func values(in topic: String) -> [String] {
        appended.filter { $0.topic == topic }.map { String(decoding: $0.record.value, as: UTF8.self) }
    }

    func ensureTopic(_ name: String, partitions: Int) throws {}

    func append(_ records: [ProducerRecord], to topic: String) async throws -> [RecordPosition] {
        let hook = state.withLock { state in
            defer { state.hook = nil }
            return state.hook
        }
        try await hook?()
        try state.withLock { state in
            if state.failing { throw AppendError() }
            state.appended += records.map { (topic, $0) }
        }
        return records.indices.map { RecordPosition(topic: topic, partition: 0, offset: Int64($0)) }
    }

    func subscribe(group: String, topics: [String]) throws -> any MessageConsumer {
        throw AppendError()
    }
}

/// The log record of an outbox row for the tests: key and payload as stored, the event id as a header.
@Sendable func testRecord(_ row: PostgresOutbox.Row) -> ProducerRecord {
    ProducerRecord(key: row.recordKey ?? "", value: row.payload, headers: [RecordHeader(name: "event-id", string: row.eventID)])
}

/// A row whose payload is `value`, keyed by `key`.
func outboxRow(_ value: String, topic: String, key: String = "order-1") -> PostgresOutbox.Row {
    PostgresOutbox.Row(eventID: UUID().uuidString, topic: topic, recordKey: key, payload: Array(value.utf8))
}

/// Queues `rows` in one committed transaction.
func enqueue(_ rows: [PostgresOutbox.Row], schema: PostgresServiceSchema, store: PostgresStore) async throws {
    try await store.client.withTransaction(logger: testLogger) { connection in
        for row in rows {
            try await PostgresOutbox.enqueue(row, schema: schema, createdAtMillis: 1, on: connection, logger: testLogger)
        }
    }
}

/// An embedded log in a new temporary directory with every saga topic (`partitions` each) and
/// its dead-letter topic; not synced (a test's log need not survive a power loss).
func temporarySagaLog(partitions: Int) throws -> (SagaLog, directory: String) {
    let directory = NSTemporaryDirectory() + "pg-saga-log-\(UUID().uuidString)"
    var configuration = LogConfiguration()
    configuration.durability = .never
    let log = try SagaLog.open(directory: directory, configuration: configuration, logger: testLogger)
    for type in SagaEventType.allCases {
        try log.ensureTopic(type.topic, partitions: partitions)
        try log.ensureTopic(type.deadLetterTopic, partitions: 1)
    }
    return (log, directory)
}

/// Closes a log from ``temporarySagaLog(partitions:)`` and removes its directory.
func close(_ log: SagaLog, removing directory: String) {
    try? log.close()
    try? FileManager.default.removeItem(atPath: directory)
}

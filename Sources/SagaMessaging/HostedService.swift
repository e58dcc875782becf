import MessageLog
import Metrics

/// A saga service as the daemon runs, measures and checks it, whatever store holds its state
/// (SQLite through `ServiceHost`, or PostgreSQL): the daemon keeps one list of these and does
/// all its per-service work through this protocol alone.
public protocol HostedService: Sendable {
    /// The service's name: its consumer group, its metrics' `service` label, its liveness key.
    var name: String { get }
    /// The service's event consumer: its group, what it reads, and the operator's pause switch.
    var consumerControl: any ConsumerControl { get }
    /// What keeps the outbox relay from publishing right now (a full disk, a lost database), or nil.
    var relayStorageFault: String? { get }
    /// The file behind the service's state, for the per-database commit timer; nil when the
    /// state is not in a file of sagad's own.
    var databaseFile: String? { get }
    /// Runs the service (relay, consumer, its own work) until cancelled.
    func run() async
    /// One round trip through the service's writer, for liveness: it fails or hangs when the
    /// writer does.
    /// - Throws: the store's error when the round trip fails.
    func checkLiveness() async throws
    /// Outbox rows not yet relayed.
    /// - Throws: the store's error when the outbox cannot be read.
    func outboxBacklog() async throws -> Int
    /// The events about `orderID` this service applied, from its inbox.
    /// - Throws: the store's error when the inbox cannot be read.
    func handledEvents(orderID: String) async throws -> [HandledEvent]
}

/// What an operator controls of a service's consumer: pause and resume (to reset its group's
/// offsets), and whether it waits out a storage fault.
public protocol ConsumerControl: AnyObject, Sendable {
    var group: String { get }
    var types: [SagaEventType] { get }
    /// The storage fault the consumer is waiting out, or nil.
    var storageFault: String? { get }
    var isPaused: Bool { get }
    /// Stops consuming; returns once this member has left its group.
    func pauseConsuming() async
    func resumeConsuming()
}

extension ServiceConsumer: ConsumerControl {}

extension SagaParticipant {
    public nonisolated var name: String { host.name }
    public nonisolated var consumerControl: any ConsumerControl { host.consumer }
    public nonisolated var relayStorageFault: String? { host.relay.storageFault }
    public nonisolated var databaseFile: String? { host.database.path }
    public func handledEvents(orderID: String) async throws -> [HandledEvent] {
        try await host.handledEvents(orderID: orderID)
    }
}

/// A service's host on a store reached through a `ServiceWriter` alone (PostgreSQL's host):
/// what the services written over any store (`StoredOrderService` and its siblings) run on.
/// Reads go through the writer too, as transactions of their own that need not be durable.
public protocol StoreHost: Sendable {
    associatedtype Writer: ServiceWriter
    var name: String { get }
    var writer: Writer { get }
    var consumerControl: any ConsumerControl { get }
    var relayStorageFault: String? { get }
    /// Tells the outbox relay there is something to publish.
    func wakeRelay()
    /// Runs the relay and the consumer (and `work`) until cancelled.
    func run(alongside work: (@Sendable () async -> Void)?) async
    /// Outbox rows not yet relayed.
    func outboxBacklog() async throws -> Int
    /// Ends what is past its deadline in batches of `batch`, each in one transaction: `due`
    /// lists up to a number of candidates, `end` ends one (false when something else ended it
    /// first, as on another instance). Counts each in `sagad_order_timeouts_total{step}`, wakes
    /// the relay, and returns what this call ended.
    /// - Throws: the store's error; what was committed before it stays ended.
    func endOverdue(
        step: String, batch: Int,
        due: @escaping @Sendable (Writer.Session, Int) throws -> [String],
        end: @escaping @Sendable (Writer.Session, String) throws -> Bool
    ) async throws -> [String]
}

extension StoreHost {
    /// Reads in a transaction of its own, which commits without waiting for the disk.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Writer.Session) throws -> T) async throws -> T {
        try await writer.write(durable: false, body)
    }

    /// Writes durably and wakes the relay: for the service's own changes, whose events the
    /// outbox holds.
    public func writeAndRelay<T: Sendable>(_ body: @escaping @Sendable (Writer.Session) throws -> T) async throws -> T {
        let value = try await writer.write(body)
        wakeRelay()
        return value
    }

    /// A round trip through the writer's thread for liveness: it fails or hangs when the writer
    /// does. The store's passing trouble (a server that does not answer) counts as an answer:
    /// health reports it on its own, and restarting sagad would not cure it.
    /// - Throws: what the round trip failed on, when it is not the store's passing trouble.
    public func checkWriter() async throws {
        do {
            _ = try await read { db in try db.firstRow("SELECT 1") { $0.int(0) } }
        } catch where writer.isTransient(error) {
            return
        }
    }

    /// The events about `orderID` this service applied, from its inbox.
    public func handledEvents(orderID: String) async throws -> [HandledEvent] {
        try await read { db in try Inbox.handledEvents(orderID: orderID, in: db) }
    }

    /// `endOverdue` through the writer alone: each batch lists and ends in one transaction.
    public func endOverdue(
        step: String, batch: Int,
        due: @escaping @Sendable (Writer.Session, Int) throws -> [String],
        end: @escaping @Sendable (Writer.Session, String) throws -> Bool
    ) async throws -> [String] {
        var ended: [String] = []
        while true {
            let done = try await writer.write { db in try due(db, batch).filter { try end(db, $0) } }
            ended += done
            guard !done.isEmpty else { break }
            Counter(label: SagaMetrics.orderTimeouts, dimensions: [("step", step)]).increment(by: done.count)
            wakeRelay()
            if done.count < batch { break }
        }
        return ended
    }
}

/// A service on a `StoreHost`, which gives it most of what the daemon asks of every service.
public protocol HostedOnStore: HostedService {
    associatedtype Host: StoreHost
    var host: Host { get }
}

extension HostedOnStore {
    public var name: String { host.name }
    public var consumerControl: any ConsumerControl { host.consumerControl }
    public var relayStorageFault: String? { host.relayStorageFault }
    public var databaseFile: String? { nil }
    public func outboxBacklog() async throws -> Int { try await host.outboxBacklog() }
    public func handledEvents(orderID: String) async throws -> [HandledEvent] { try await host.handledEvents(orderID: orderID) }
    public func checkLiveness() async throws { try await host.checkWriter() }
}

/// SQLite's host is a `StoreHost` too (its `endOverdue` reads before it writes): the services
/// written over any store also run on it (their tests do, without a PostgreSQL server), and the
/// deadline sweeps are written once for both.
extension ServiceHost: StoreHost {
    public var consumerControl: any ConsumerControl { consumer }
    public var relayStorageFault: String? { relay.storageFault }
    public func wakeRelay() { relay.wake() }
}

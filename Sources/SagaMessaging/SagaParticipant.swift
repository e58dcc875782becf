/// A saga service on SQLite: an actor on a `ServiceHost`, which gives it what the daemon asks
/// of every service (`HostedService`).
public protocol SagaParticipant: Actor, HostedService {
    nonisolated var host: ServiceHost { get }
    /// Runs the service until cancelled; by default its host's relay and consumer.
    nonisolated func run() async
    /// One round trip through this actor and its database's writer, for liveness: it fails or
    /// hangs when either does (a read alone still answers under a write lock held elsewhere).
    /// - Throws: the database's error when the round trip fails.
    func checkLiveness() async throws
}

extension SagaParticipant {
    public nonisolated func run() async { await host.run() }

    public func checkLiveness() async throws { try await host.checkWriter() }

    /// Outbox rows not yet relayed.
    /// - Throws: GRDB's error when the outbox cannot be read.
    public func outboxBacklog() async throws -> Int { try await host.outboxBacklog() }
}

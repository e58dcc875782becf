import Dispatch

/// Runs a call that may block its thread on a Dispatch queue, off Swift's cooperative pool:
/// KafkaLog's admin calls (lag, statistics, reads, resets) wait for broker round trips, and a
/// few of them at once would otherwise stall every task of the daemon.
enum BlockingCall {
    private static let queue = DispatchQueue(label: "sagad.blocking-call", attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result(catching: body)) }
        }
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}

import CheckoutService
import Dispatch
import FulfillmentService
import Logging
import OrderService
import Foundation
import Prometheus
@testable import SagaDaemon
@testable import SagaLog
import Synchronization
import Testing

/// Opens once: releases whatever waits on it, and everything that comes later. It opens by
/// itself after `limit`, from a Dispatch timer, so that a wedged actor cannot outlive a failed
/// test.
final class Gate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let entered = Mutex(false)

    init(limit: Duration = .seconds(15)) {
        let (seconds, attoseconds) = limit.components
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))) {
            [semaphore] in semaphore.signal()
        }
    }

    /// Called on the wedged actor: records that it is in, then blocks its thread until opened.
    func block() {
        entered.withLock { $0 = true }
        semaphore.wait()
        semaphore.signal()
    }

    var isEntered: Bool { entered.withLock { $0 } }
    func open() { semaphore.signal() }
}

/// Runs jobs on a Dispatch queue of its own: a task that prefers it runs a default actor's code
/// there (SE-0417), so wedging that actor blocks this queue's thread, not one of the few threads
/// of the cooperative pool that every other test shares.
final class DedicatedExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "liveness-test.wedge")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}

// Isolated to each actor: calling it wedges that actor's executor in synchronous work, the
// way a blocking call inside an actor method would.
extension OrderService { func wedge(on gate: Gate) { gate.block() } }
extension CheckoutService { func wedge(on gate: Gate) { gate.block() } }
extension FulfillmentService { func wedge(on gate: Gate) { gate.block() } }

/// The liveness behind `/healthz` and the watchdog, with one service actor wedged: the check
/// must name that actor and still answer in bounded time. Serialized: each case blocks one
/// thread, though not one of the cooperative pool.
@Suite(.serialized) struct LivenessWiringTests {
    @Test(arguments: ["order", "checkout", "fulfillment"])
    func aWedgedActorIsNamedAndTheAnswerStillComesInTime(_ service: String) async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        var logger = Logger(label: "liveness-test")
        logger.logLevel = .critical
        let daemon = DaemonContext(runtime: saga.runtime, metrics: PrometheusCollectorRegistry(), logger: logger)
        #expect(await daemon.livenessChecks(timeout: .seconds(2)).values.allSatisfy { $0 == "ok" })

        let gate = Gate()
        defer { gate.open() }
        let wedged = Task(executorPreference: DedicatedExecutor()) {
            switch service {
            case "order": await saga.orders.wedge(on: gate)
            case "checkout": await saga.checkout.wedge(on: gate)
            default: await saga.fulfillment.wedge(on: gate)
            }
        }
        #expect(await saga.eventually(timeout: .seconds(30)) { gate.isEntered })

        // Generous for the healthy ones: this test shares a small thread pool with the others.
        let checks = try #require(await answer(within: .seconds(5)) { await daemon.livenessChecks(timeout: .milliseconds(1500)) },
                                  "the liveness check hung with the \(service) actor wedged")
        #expect(checks[service]?.hasPrefix("no answer") == true, "\(checks)")
        #expect(checks.filter { $0.key != service }.values.allSatisfy { $0 == "ok" }, "\(checks)")
        // Asked again while still wedged: still failing, and still in time.
        let again = try #require(await answer(within: .seconds(3)) { await daemon.livenessChecks(timeout: .milliseconds(300)) })
        #expect(again[service] != "ok", "\(again)")

        gate.open()
        await wedged.value
        #expect(await saga.eventually(timeout: .seconds(30)) {
            await daemon.livenessChecks(timeout: .seconds(2)).values.allSatisfy { $0 == "ok" }
        })
    }
}

/// The log's part: a partition stopped by a failed fdatasync refuses appends until restart,
/// though reads and statistics still answer, so liveness must fail and name it.
@Suite struct LogLivenessTests {
    @Test func aPartitionStoppedByAFailedSyncFailsTheLogCheck() async throws {
        let saga = try SagaHarness(durability: .always)
        defer { saga.close() }
        var logger = Logger(label: "liveness-test")
        logger.logLevel = .critical
        let daemon = DaemonContext(runtime: saga.runtime, metrics: PrometheusCollectorRegistry(), logger: logger)
        #expect(await daemon.livenessChecks(timeout: .seconds(2))["log"] == "ok")

        let log = try #require(saga.runtime.log as? SagaLog, "the runtime's log is not a SagaLog")
        for partition in 0..<(try log.partitionCount(of: "order_pending")) {
            try log.partition(TopicPartition(topic: "order_pending", partition: partition)).setSyncFault {
                throw SagaLogError.io(operation: "fdatasync", path: "order_pending-\(partition)", errno: EIO)
            }
        }
        await #expect(throws: (any Error).self) {
            _ = try await log.append([ProducerRecord(key: "k", value: Array("v".utf8))], to: "order_pending")
        }
        let stopped = try #require(log.topicStatistics().first { $0.failed }, "no partition stopped")

        let checks = await daemon.livenessChecks(timeout: .seconds(2))
        #expect(checks["log"]?.contains("order_pending/\(stopped.partition)") == true, "\(checks)")
        #expect(checks.filter { $0.key != "log" }.values.allSatisfy { $0 == "ok" }, "\(checks)")
    }
}

extension LogLivenessTests {
    @Test func aHungFdatasyncFailsTheLogCheckOnceAppendsWaitPastTheStallLimit() async throws {
        let saga = try SagaHarness(durability: .always)
        defer { saga.close() }
        var logger = Logger(label: "liveness-test")
        logger.logLevel = .critical
        let daemon = DaemonContext(runtime: saga.runtime, metrics: PrometheusCollectorRegistry(), logger: logger,
                                   logStallLimit: .milliseconds(300))
        let log = try #require(saga.runtime.log as? SagaLog, "the runtime's log is not a SagaLog")
        let gate = Gate()
        defer { gate.open() }
        for partition in 0..<(try log.partitionCount(of: "order_pending")) {
            try log.partition(TopicPartition(topic: "order_pending", partition: partition)).setSyncFault { gate.block() }
        }
        // The first append hangs in its fdatasync (holding the writer); the second waits behind it.
        // Generous waits: parallel tests can keep both threads of the cooperative pool busy for seconds.
        let first = Task { try await log.append([ProducerRecord(key: "k", value: Array("1".utf8))], to: "order_pending") }
        #expect(await saga.eventually(timeout: .seconds(30)) { gate.isEntered })
        let second = Task { try await log.append([ProducerRecord(key: "k", value: Array("2".utf8))], to: "order_pending") }
        #expect(await saga.eventually(timeout: .seconds(30)) { log.topicStatistics().contains { $0.queuedBytes > 0 } })

        // Reads and statistics still answer; the check fails once the wait outlasts the limit.
        var checks: [String: String] = [:]
        #expect(await saga.eventually(timeout: .seconds(30)) {
            checks = await daemon.livenessChecks(timeout: .seconds(2))
            return checks["log"] != "ok"
        }, "the log check passed with its writer hung: \(checks)")
        #expect(checks["log"]?.contains("no progress") == true, "\(checks)")
        #expect(checks.filter { $0.key != "log" }.values.allSatisfy { $0 == "ok" }, "\(checks)")

        gate.open()
        _ = try await first.value
        _ = try await second.value
        #expect(await saga.eventually(timeout: .seconds(30)) {
            await daemon.livenessChecks(timeout: .seconds(2))["log"] == "ok"
        })
    }
}

/// `work`'s result, or nil when it did not come within `timeout` (it is then left running, and
/// a late result does not count).
private func answer<T: Sendable>(within timeout: Duration, _ work: @escaping @Sendable () async -> T) async -> T? {
    let deadline = ContinuousClock.now + timeout
    let result = Mutex<T?>(nil)
    let task = Task {
        let value = await work()
        if ContinuousClock.now <= deadline { result.withLock { $0 = value } }
    }
    while ContinuousClock.now < deadline {
        if let value = result.withLock({ $0 }) { return value }
        try? await Task.sleep(for: .milliseconds(10))
    }
    _ = task
    return result.withLock { $0 }
}

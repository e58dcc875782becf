import Logging
import SagaMessaging
import Synchronization

/// Fulfillment's "time-consuming work", for whichever store keeps the fulfillments: orders
/// whose `order_processing` was committed (`start`) are worked on by at most
/// `maxConcurrentWork` workers, each sleeping `workDuration` and then handing its outcome
/// (failed with probability `failureRate`) to `record`, retried until it commits. A stop
/// before the commit leaves the fulfillment pending, to be resumed by the next run.
actor FulfillmentWorkers {
    /// Records an order's outcome (`failedBecause` nil: fulfilled) with its event.
    typealias Record = @Sendable (_ orderID: String, _ failedBecause: String?) async throws -> Void

    private var settings: FulfillmentSettings
    private let logger: Logger
    private let signals: AsyncStream<WorkSignal>
    private let signalSink: AsyncStream<WorkSignal>.Continuation
    private let workers = WorkerCount()

    init(settings: FulfillmentSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        (signals, signalSink) = AsyncStream<WorkSignal>.makeStream()
    }

    /// Queues orders whose processing was just committed.
    nonisolated func start(_ orderIDs: [String]) {
        if !orderIDs.isEmpty { signalSink.yield(.started(orderIDs)) }
    }

    /// Worker tasks alive right now.
    nonisolated var live: Int { workers.value }

    func update(_ settings: FulfillmentSettings) { self.settings = settings }

    /// Hands queued orders (first `pending`) to at most `maxConcurrentWork` workers, in a
    /// discarding task group so that a finished worker is gone at once, until cancelled (which
    /// cancels the workers). `describe` adds what is known of an order to a failure's log line.
    /// `failing` makes chosen orders fail whatever `failureRate` says (for tests).
    func run(resuming pending: [String], record: @escaping Record,
             describe: @escaping @Sendable (String) async -> Logger.Metadata = { _ in [:] },
             failing: @escaping @Sendable (String) -> Bool = { _ in false }) async {
        var queue = FulfillmentWorkQueue()
        for orderID in pending { queue.push(orderID) }
        var running = 0
        let (workers, signalSink, logger) = (self.workers, self.signalSink, self.logger)
        await withDiscardingTaskGroup { group in
            var signals = self.signals.makeAsyncIterator()
            while true {
                let (limit, duration, failureRate) = (settings.maxConcurrentWork, settings.workDuration, settings.failureRate)
                while running < limit, let orderID = queue.pop() {
                    running += 1
                    workers.add(1)
                    group.addTask {
                        await Self.fulfil(orderID, duration: duration, failureRate: failing(orderID) ? 1 : failureRate,
                                          record: record, describe: describe, logger: logger)
                        workers.add(-1)
                        signalSink.yield(.finished(orderID))
                    }
                }
                guard !Task.isCancelled, let signal = await signals.next(isolation: self) else { break }
                switch signal {
                case .started(let orderIDs):
                    for orderID in orderIDs { queue.push(orderID) }
                case .finished(let orderID):
                    running -= 1
                    queue.finished(orderID)
                }
            }
        }
    }

    /// The work, then the outcome recorded; a failed record is retried with backoff.
    private static func fulfil(
        _ orderID: String, duration: Duration, failureRate: Double, record: Record,
        describe: @Sendable (String) async -> Logger.Metadata, logger: Logger
    ) async {
        do {
            // A zero duration (benchmarks) neither sleeps nor arms a timer.
            if duration > .zero { try await Task.sleep(for: duration) } else { try Task.checkCancellation() }
        } catch {
            return  // shutting down: stays pending
        }
        // No random draw (a getrandom system call) when nothing can fail.
        let failed = failureRate > 0 && Double.random(in: 0..<1) < failureRate
        var attempt = 0
        while !Task.isCancelled {
            do {
                try await record(orderID, failed ? "fulfillment failed" : nil)
                return
            } catch {
                attempt += 1
                var metadata: Logger.Metadata = ["order": "\(orderID)", "error": "\(error)"]
                metadata.merge(await describe(orderID)) { first, _ in first }
                logger.error("cannot record fulfillment outcome; retrying", metadata: metadata)
                try? await Task.sleep(for: .milliseconds(min(5000, 50 << min(attempt, 7))))
            }
        }
    }
}

/// A signal to the work loop.
private enum WorkSignal: Sendable {
    /// Orders whose processing was committed: queue them.
    case started([String])
    /// The worker of this order is done.
    case finished(String)
}

/// How many worker tasks are alive, readable from any thread.
private final class WorkerCount: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    func add(_ delta: Int) { count.add(delta, ordering: .relaxed) }
}

import Foundation
import Histogram
import SagaAPI
import Synchronization

/// What happened to one bench order.
struct BenchOrderOutcome: Sendable {
    /// The status the order ended in, or nil when it could not be placed.
    var finalStatus: String?
    /// Why the order could not be placed or followed.
    var failure: String?
    /// Time of the create request that succeeded.
    var createLatency: Duration?
    /// Time from sending that create request until the order was terminal.
    var terminalLatency: Duration?
    /// 503 answers received (and retried) while placing the order.
    var overloadRetries = 0
    /// Create requests sent again after the connection failed (safe: they carry an idempotency key).
    var transportRetries = 0
}

/// Everything a bench run measured.
struct BenchResult: Sendable {
    var orders: Int
    var concurrency: Int
    var amount: String?
    /// Orders per second offered, for an open-loop run.
    var offeredRate: Double? = nil
    /// The account the orders were placed on (nil: the daemon's default).
    var account: String? = nil
    var wallTime: Duration = .zero
    var statusCounts: [String: Int] = [:]
    var failureCounts: [String: Int] = [:]
    var overloadRetries = 0
    var transportRetries = 0
    var terminalLatency = LatencySummary.makeHistogram()
    var createLatency = LatencySummary.makeHistogram()

    /// Orders done, settled or failed.
    var completed: Int { statusCounts.values.reduce(0, +) + failureCounts.values.reduce(0, +) }

    /// Adds one order's outcome to the totals.
    mutating func add(_ outcome: BenchOrderOutcome) {
        overloadRetries += outcome.overloadRetries
        transportRetries += outcome.transportRetries
        if let status = outcome.finalStatus { statusCounts[status, default: 0] += 1 }
        if let failure = outcome.failure { failureCounts[failure, default: 0] += 1 }
        if let latency = outcome.createLatency { LatencySummary.record(latency, in: &createLatency) }
        if let latency = outcome.terminalLatency { LatencySummary.record(latency, in: &terminalLatency) }
    }
}

/// The load test: places orders and long-polls each until terminal, retrying 503 (overload)
/// after Retry-After. Closed loop: a fixed number of concurrent workers, each taking the next
/// order when its last one is done (capacity). Open loop (`rate`): orders are sent on a fixed
/// schedule whatever the answers do, and latencies count from each order's scheduled send
/// time, so a stall shows instead of slowing the load down (what users feel).
struct BenchRunner: Sendable {
    var client: ControlClient
    var orders: Int
    var concurrency: Int
    var amount: String?
    /// Orders per second to offer (open loop); nil for the closed loop.
    var rate: Double? = nil
    /// A closed-loop run starts no new order after this long.
    var duration: Duration? = nil
    /// The account to order on (nil: the daemon's default account).
    var account: String? = nil
    /// The `timeout` of each `wait=terminal` long poll.
    var terminalWait: Duration = .seconds(60)
    /// Long polls per order before it is reported as not settled.
    var maximumTerminalPolls = 10
    /// The longest pause a Retry-After may impose.
    var maximumRetryDelay: Duration = .seconds(30)
    /// Attempts at a create request whose connection fails before the order counts as failed.
    var maximumTransportAttempts = 5
    /// Prefix of the orders' idempotency keys, unique to this run.
    var runID = String(UUID().uuidString.prefix(8)).lowercased()

    /// Runs the bench, calling `progress` with the number of orders done after each one.
    /// Stops with the error when the daemon becomes unreachable.
    func run(progress: (Int) -> Void) async throws -> BenchResult {
        if let rate { return try await runOpenLoop(rate: rate, progress: progress) }
        var result = BenchResult(orders: orders, concurrency: concurrency, amount: amount)
        result.account = account
        let started = ContinuousClock.now
        let deadline = duration.map { started + $0 }
        var launched = 0
        try await withThrowingTaskGroup(of: BenchOrderOutcome.self) { group in
            while launched < min(concurrency, orders) {
                group.addTask { [launched] in try await placeAndAwait(number: launched) }
                launched += 1
            }
            var completed = 0
            while let outcome = try await group.next() {
                result.add(outcome)
                completed += 1
                progress(completed)
                if launched < orders, deadline.map({ ContinuousClock.now < $0 }) ?? true {
                    group.addTask { [launched] in try await placeAndAwait(number: launched) }
                    launched += 1
                }
            }
        }
        result.orders = launched
        result.wallTime = ContinuousClock.now - started
        return result
    }

    /// Sends order n at `start + n / rate`, each in its own task, whatever the earlier ones do.
    private func runOpenLoop(rate: Double, progress: (Int) -> Void) async throws -> BenchResult {
        var initial = BenchResult(orders: orders, concurrency: 0, amount: amount)
        initial.offeredRate = rate
        initial.account = account
        let collected = SharedResult(initial)
        let started = ContinuousClock.now
        try await withThrowingDiscardingTaskGroup { group in
            for number in 0..<orders {
                let scheduled = started + .seconds(Double(number) / rate)
                try await Task.sleep(until: scheduled, clock: .continuous)
                group.addTask {
                    let outcome = try await placeAndAwait(number: number, scheduledAt: scheduled)
                    collected.state.withLock { $0.add(outcome) }
                }
                progress(collected.state.withLock { $0.completed })
            }
        }
        var result = collected.state.withLock { $0 }
        result.wallTime = ContinuousClock.now - started
        progress(result.completed)
        return result
    }

    /// Places order `number` (retrying overload and broken connections under one idempotency
    /// key) and waits until it is terminal. Latencies count from `scheduledAt` when given (open
    /// loop), else from the create request that succeeded.
    func placeAndAwait(number: Int, scheduledAt: ContinuousClock.Instant? = nil) async throws -> BenchOrderOutcome {
        var outcome = BenchOrderOutcome()
        var request = try ControlRequest(.createOrder, json: OrderRequest(amount: amount.map { Amount($0) }, accountID: account))
        request.headers.append((name: "Idempotency-Key", value: "bench-\(runID)-\(number)"))
        var order: BenchOrder
        var sentAt: ContinuousClock.Instant
        var transportAttempts = 0
        while true {
            sentAt = ContinuousClock.now
            let response: ControlResponse
            do {
                response = try await client.send(request)
            } catch ControlError.exchangeFailed(_, let reason) {
                transportAttempts += 1
                guard transportAttempts < maximumTransportAttempts else {
                    outcome.failure = "create failed: \(reason)"
                    return outcome
                }
                outcome.transportRetries += 1
                try await Task.sleep(for: .milliseconds(50 * transportAttempts))
                continue
            }
            if response.status == 503 {
                outcome.overloadRetries += 1
                let delay = Duration.milliseconds(Int64((response.retryAfterSeconds ?? 1) * 1000))
                try await Task.sleep(for: min(max(delay, .zero), maximumRetryDelay))
                continue
            }
            guard response.isSuccess, let created = try? response.decode(BenchOrder.self, path: request.path) else {
                outcome.failure = Self.describe(response.isSuccess
                    ? .undecodableResponse(path: request.path, reason: "not an order") : response.rejection())
                return outcome
            }
            outcome.createLatency = ContinuousClock.now - (scheduledAt ?? sentAt)
            order = created
            break
        }
        let waitSeconds = OrderWatcher.timeoutParameter(terminalWait)
        var polls = 0
        while !order.isSettled && polls < maximumTerminalPolls {
            polls += 1
            let poll = try ControlRequest(.getOrder, order.id, query: [("wait", "terminal"), ("timeout", waitSeconds)],
                                          timeout: terminalWait + .seconds(10))
            do {
                order = try await client.fetch(BenchOrder.self, poll)
            } catch let error as ControlError where error.exitCode != 69 {
                outcome.failure = Self.describe(error)
                return outcome
            } catch ControlError.exchangeFailed(_, let reason) {
                outcome.failure = "wait failed: \(reason)"
                return outcome
            }
        }
        outcome.terminalLatency = ContinuousClock.now - (scheduledAt ?? sentAt)
        outcome.finalStatus = order.isSettled ? order.status : "\(order.status) (not settled)"
        return outcome
    }

    /// A failure's message without the `sagactl: ` prefix, for counting by kind.
    private static func describe(_ error: ControlError) -> String {
        let message = error.message
        return message.hasPrefix("sagactl: ") ? String(message.dropFirst(9)) : message
    }
}

/// An open-loop run's totals, added to by every order's task.
private final class SharedResult: Sendable {
    let state: Mutex<BenchResult>
    init(_ result: BenchResult) { state = Mutex(result) }
}

/// The part of an `Order` answer a bench follows: decoding the whole order (its history, its
/// amount) was a tenth of sagactl's CPU, which shares the machine with the daemon it measures.
struct BenchOrder: Decodable {
    var id: String
    var status: String
    var settled: Bool?

    /// As `Order.isSettled`: the daemon's `settled`, or a final status when it is absent.
    var isSettled: Bool { settled ?? Order.finalStatuses.contains(status) }
}

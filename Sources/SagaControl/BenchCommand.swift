import ArgumentParser
import SagaAPI

/// `sagactl bench`: the project's load test.
struct BenchCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Place many orders concurrently and report throughput and latency.",
        discussion: """
            Closed loop (--concurrency): each worker places an order (POST /v1/orders) and \
            long-polls it until it is terminal (GET /v1/orders/{id}?wait=terminal&timeout=60), then \
            takes the next, until --orders are done (or --duration passed): capacity. Open loop \
            (--rate): orders go out on a fixed schedule whatever the answers do, and latencies count \
            from each order's scheduled send time, so a stall is not hidden: what users feel. Orders \
            go to a new account funded for the run unless --account names one. 503 (overload) answers are retried after Retry-After \
            and counted. Prints throughput, the count per final status, and p50/p90/p99/max of \
            create-to-terminal and create-request latency (HdrHistogram). Progress goes to \
            stderr: a bar on a terminal, else a line every 10%.

            Examples: sagactl bench --orders 1000 --concurrency 32 --amount 1.00
                      sagactl bench --rate 500 --duration 30
            """
    )

    @Option(help: ArgumentHelp("How many orders to place (with --rate, default: rate × duration).", valueName: "n"))
    var orders: Int?

    @Option(help: ArgumentHelp("Closed loop: how many orders are in flight at once.", valueName: "c"))
    var concurrency: Int?

    @Option(help: ArgumentHelp(
        "Open loop: orders per second to send on a fixed schedule; latency counts from each order's scheduled time.",
        valueName: "per-second"))
    var rate: Double?

    @Option(help: ArgumentHelp("Seconds to run (open loop: with --rate instead of --orders; closed loop: a cap).",
                               valueName: "seconds"))
    var duration: Double?

    @Option(help: ArgumentHelp("Amount of every order (default: the daemon picks at random).", valueName: "amount"))
    var amount: String?

    @Option(help: ArgumentHelp(
        "Account to order on (default: a new account funded for the run, so checkouts do not fail for want of money).",
        valueName: "id"))
    var account: String?

    @OptionGroup var global: GlobalOptions

    var connectionLimit: Int { concurrency ?? 256 }

    /// The orders the run places.
    var orderCount: Int { orders ?? Int((rate ?? 0) * (duration ?? 0)) }

    func validate() throws {
        if let rate {
            guard rate > 0, rate <= 100_000 else { throw ValidationError("--rate must be above 0 and at most 100000 orders/s") }
            guard orders != nil || duration != nil else { throw ValidationError("--rate needs --orders or --duration") }
            guard concurrency == nil else { throw ValidationError("--rate (open loop) and --concurrency (closed loop) exclude each other") }
        } else {
            guard let concurrency else { throw ValidationError("give --concurrency (closed loop) or --rate (open loop)") }
            try InputValidation.requirePositive(concurrency, option: "--concurrency", maximum: 4096)
            guard orders != nil else { throw ValidationError("--orders is required without --rate") }
        }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be a positive number of seconds") }
        try InputValidation.requirePositive(orderCount, option: "--orders")
        if let amount { try InputValidation.requireAmount(amount, option: "--amount") }
        if let account { try InputValidation.requireIdentifier(account, name: "The account id") }
    }

    func perform(with session: DaemonSession) async throws {
        var runner = BenchRunner(client: session.client, orders: orderCount, concurrency: concurrency ?? 0, amount: amount)
        runner.rate = rate
        if rate == nil, let duration { runner.duration = .milliseconds(Int64(duration * 1000)) }
        if let account {
            runner.account = account
        } else {
            runner.account = try await fundAccount(named: "bench-\(runner.runID)", session: session)
        }
        var progress = BenchProgress(total: orderCount, isTerminal: session.console.errorIsTerminal)
        let started = ContinuousClock.now
        let result = try await runner.run { completed in
            if let text = progress.update(completed: completed, elapsed: ContinuousClock.now - started) {
                session.console.writeError(text)
            }
        }
        if let text = progress.finish() { session.console.writeError(text) }
        let summary = BenchSummary(result)
        if session.wantsJSON {
            session.console.printLine(try JSONOutput.prettyPrinted(summary))
        } else {
            summary.reportLines().forEach(session.console.printLine)
        }
    }

    /// Opens `id` with the largest balance the API takes, for this run alone.
    private func fundAccount(named id: String, session: DaemonSession) async throws -> String {
        let request = try ControlRequest(.createAccount, json: AccountRequest(id: id, balance: Amount("100000000000.00")))
        _ = try await session.client.send(request).requireSuccess()
        return id
    }
}

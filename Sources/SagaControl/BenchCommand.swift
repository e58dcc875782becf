import ArgumentParser

/// `sagactl bench`: the project's load test.
struct BenchCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Place many orders concurrently and report throughput and latency.",
        discussion: """
            Each of --concurrency workers places an order (POST /v1/orders) and long-polls it \
            until it is terminal (GET /v1/orders/{id}?wait=terminal&timeout=60), then takes the \
            next, until --orders are done. 503 (overload) answers are retried after Retry-After \
            and counted. Prints throughput, the count per final status, and p50/p90/p99/max of \
            create-to-terminal and create-request latency (HdrHistogram). Progress goes to \
            stderr: a bar on a terminal, else a line every 10%.

            Example: sagactl bench --orders 1000 --concurrency 32 --amount 1.00
            """
    )

    @Option(help: ArgumentHelp("How many orders to place.", valueName: "n"))
    var orders: Int

    @Option(help: ArgumentHelp("How many orders are in flight at once.", valueName: "c"))
    var concurrency: Int

    @Option(help: ArgumentHelp("Amount of every order (default: the daemon picks at random).", valueName: "amount"))
    var amount: String?

    @OptionGroup var global: GlobalOptions

    var connectionLimit: Int { concurrency }

    func validate() throws {
        try InputValidation.requirePositive(orders, option: "--orders")
        try InputValidation.requirePositive(concurrency, option: "--concurrency", maximum: 4096)
        if let amount { try InputValidation.requireAmount(amount, option: "--amount") }
    }

    func perform(with session: DaemonSession) async throws {
        let runner = BenchRunner(client: session.client, orders: orders, concurrency: concurrency, amount: amount)
        var progress = BenchProgress(total: orders, isTerminal: session.console.errorIsTerminal)
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
}

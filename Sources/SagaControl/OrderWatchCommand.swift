import ArgumentParser
import Foundation
import SagaAPI

/// `sagactl order watch ID`: prints each status change of an order as it happens.
struct OrderWatchCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print each status change of an order until it settles.",
        discussion: """
            Long-polls GET /v1/orders/{id}?wait=change and prints one line per history entry: \
            time, status, reason. Exits 0 once nothing more will happen to the order. With \
            --json, prints each history entry as one JSON object per line.
            """
    )

    @Argument(help: "The order id.")
    var id: String

    @Option(help: ArgumentHelp("Give up (exit 1) after this many seconds; default: wait until settled.",
                               valueName: "seconds"))
    var timeout: Double?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds.") }
    }

    func perform(with session: DaemonSession) async throws {
        let watcher = OrderWatcher(overallTimeout: timeout.map { .milliseconds(Int64($0 * 1000)) })
        let presenter = OrderPresenter()
        let client = session.client
        let wantsJSON = session.wantsJSON
        _ = try await watcher.watch(
            orderID: id,
            fetch: { seen, wait in
                let request = try ControlRequest(
                    .getOrder, id,
                    query: [("wait", "change"), ("seen", String(seen)), ("timeout", OrderWatcher.timeoutParameter(wait))],
                    timeout: wait + .seconds(10))
                return try await client.fetch(Order.self, request)
            },
            onChange: { change in
                if wantsJSON, let line = try? JSONOutput.singleLine(change) {
                    session.console.printLine(line)
                } else {
                    session.console.printLine(presenter.transitionLine(change))
                }
            })
    }
}

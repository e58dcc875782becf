import ArgumentParser
import SagaAPI

/// `sagactl dlq …`: list and replay dead-lettered records.
struct DeadLetterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "List and replay records that kept failing and went to dead-letter topics.",
        discussion: "The dlq-* headers of each record say why it failed, where it came from, and whether it was replayed.",
        subcommands: [DeadLetterListCommand.self, DeadLetterReplayCommand.self]
    )
}

/// `sagactl dlq list`: GET /v1/dlq.
struct DeadLetterListCommand: DaemonCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List dead-lettered records.")

    @Option(help: ArgumentHelp("At most this many, 1 to 1000.", valueName: "n"))
    var limit: Int?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let limit { try InputValidation.requirePositive(limit, option: "--limit", maximum: InputValidation.maximumLimit) }
    }

    func perform(with session: DaemonSession) async throws {
        let request = try ControlRequest(.listDeadLetters, query: [("limit", limit.map(String.init))])
        let response = try await session.client.send(request).requireSuccess()
        if session.wantsJSON { return session.console.printLine(JSONOutput.prettyPrinted(response.body)) }
        let page = try response.decode(RecordPage.self, path: request.path)
        session.printTable(LogPresenter().deadLetterTable(page.records))
    }
}

/// `sagactl dlq replay`: POST /v1/dlq/replay.
struct DeadLetterReplayCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Append dead-lettered records back to their original topics.")

    @Option(help: ArgumentHelp("Only this dead-letter topic, e.g. order_pending.dlq.", valueName: "topic"))
    var topic: String?

    @OptionGroup var global: GlobalOptions

    func perform(with session: DaemonSession) async throws {
        let request = try ControlRequest(.replayDeadLetters, json: ReplayRequest(topic: topic))
        let response = try await session.client.send(request).requireSuccess()
        if session.wantsJSON { return session.console.printLine(JSONOutput.prettyPrinted(response.body)) }
        let result = try response.decode(ReplayResult.self, path: request.path)
        session.console.printLine("replayed \(result.replayed) record\(result.replayed == 1 ? "" : "s")")
    }
}

import ArgumentParser
import SagaAPI

/// `sagactl log …`: checks on the log itself.
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Check the log's records.",
        subcommands: [LogVerifyCommand.self]
    )
}

/// `sagactl log verify`: GET /v1/log/verify — the scrub. Exits 1 when it finds damage.
struct LogVerifyCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every record's CRC and offset and each offset index; name the damaged ranges.",
        discussion: """
            Reads every segment of every partition (or of --topic, or of its --partition) up to \
            the end. Each damaged range is printed with its offsets, segment file and byte \
            position; exit code 1 when there is one. A consumer group stalled on such a range \
            moves on only when an operator skips it:
              sagactl group pause checkout
              sagactl group skip checkout --topic order_pending --partition 0 --to <TO>
              sagactl group resume checkout
            """)

    @Option(help: ArgumentHelp("Only this topic.", valueName: "topic"))
    var topic: String?

    @Option(help: ArgumentHelp("Only this partition.", valueName: "n"))
    var partition: Int?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let partition, !(0...1023).contains(partition) { throw ValidationError("--partition must be 0-1023.") }
    }

    func perform(with session: DaemonSession) async throws {
        let request = try ControlRequest(
            .verifyLog, query: [("topic", topic), ("partition", partition.map(String.init))], timeout: .seconds(600))
        let response = try await session.client.send(request).requireSuccess()
        let report = try response.decode(LogVerification.self, path: request.path)
        if session.wantsJSON {
            session.console.printLine(JSONOutput.prettyPrinted(response.body))
        } else {
            session.console.printLine("checked \(report.segments) segments, \(report.records) records, \(report.bytes) bytes: "
                + (report.damaged.isEmpty ? "no damage" : "\(report.damaged.count) damaged range(s)"))
            if !report.damaged.isEmpty {
                var table = TextTable([
                    .init("TOPIC"), .init("PARTITION", .right), .init("OFFSETS"), .init("SEGMENT"), .init("BYTE", .right),
                    .init("BYTES", .right), .init("REASON"),
                ])
                for range in report.damaged {
                    table.append([range.topic, String(range.partition), "\(range.from)..<\(range.to)", range.segment,
                                  String(range.position), String(range.bytes), range.reason])
                }
                session.printTable(table)
            }
        }
        if !report.damaged.isEmpty { throw ControlError.damaged(ranges: report.damaged.count) }
    }
}

import ArgumentParser
import SagaAPI

/// `sagactl notifications`: GET /v1/notifications.
struct NotificationsCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications",
        abstract: "List user notifications, newest first.",
        discussion: "Fulfillment stores one when an order finishes, fails or is canceled."
    )

    @Option(help: ArgumentHelp("Only the notifications of this order.", valueName: "id"))
    var order: String?

    @Option(help: ArgumentHelp("At most this many, 1 to 1000.", valueName: "n"))
    var limit: Int?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let limit { try InputValidation.requirePositive(limit, option: "--limit", maximum: InputValidation.maximumLimit) }
    }

    func perform(with session: DaemonSession) async throws {
        let request = try ControlRequest(.listNotifications, query: [("order_id", order), ("limit", limit.map(String.init))])
        let response = try await session.client.send(request).requireSuccess()
        if session.wantsJSON { return session.console.printLine(JSONOutput.prettyPrinted(response.body)) }
        let list = try response.decode(NotificationList.self, path: request.path)
        let timestamps = TimestampFormatter()
        var table = TextTable([.init("ID", .right), .init("ORDER"), .init("KIND"), .init("AT"), .init("MESSAGE")])
        for notification in list.notifications {
            table.append([String(notification.id), notification.orderID, notification.kind,
                          timestamps.format(notification.at), notification.message])
        }
        session.printTable(table)
    }
}

import SagaAPI

/// Turns orders into the human-readable lines sagactl prints.
struct OrderPresenter {
    var timestamps = TimestampFormatter()
    var preciseTimestamps = TimestampFormatter(includeMilliseconds: true)

    /// The `order list` table: ID, STATUS, AMOUNT, ACCOUNT, CREATED.
    func listTable(_ orders: [Order]) -> TextTable {
        var table = TextTable([
            .init("ID"), .init("STATUS"), .init("AMOUNT", .right), .init("ACCOUNT"), .init("CREATED"),
        ])
        for order in orders {
            table.append([order.id, order.status, order.amount.text, order.accountID, timestamps.format(order.createdAt)])
        }
        return table
    }

    /// One order as aligned `field value` lines, then its history when it has one.
    func detailLines(_ order: Order) -> [String] {
        var fields = TextTable([.init("FIELD"), .init("VALUE")])
        fields.append(["id", order.id])
        fields.append(["status", order.status])
        fields.append(["amount", order.amount.text])
        fields.append(["account", order.accountID])
        fields.append(["created", timestamps.format(order.createdAt)])
        fields.append(["updated", timestamps.format(order.updatedAt)])
        if let settled = order.settled { fields.append(["settled", settled ? "yes" : "no"]) }
        var lines = Array(fields.renderedLines().dropFirst())
        if let history = order.history, !history.isEmpty {
            var table = TextTable([.init("AT"), .init("STATUS"), .init("REASON")])
            for change in history {
                table.append([preciseTimestamps.format(change.at), change.status, change.reason ?? "-"])
            }
            lines.append("")
            lines += table.renderedLines()
        }
        return lines
    }

    /// The line `order watch` prints for one transition: time, status, reason.
    func transitionLine(_ change: StatusChange) -> String {
        let status = change.status.padding(toLength: max(change.status.count, 10), withPad: " ", startingAt: 0)
        return "\(preciseTimestamps.format(change.at))  \(status)  \(change.reason ?? "-")"
    }
}

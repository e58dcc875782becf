/// The order bodies write their own JSON (see `JSONWritable`); members in sorted order.
extension Order: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("account_id"); json.string(accountID)
            json.key("amount"); json.string(amount.text)
            json.key("created_at"); json.string(createdAt)
            if let history {
                json.key("history"); json.array(history) { json, change in json.value(change) }
            }
            json.key("id"); json.string(id)
            if let settled { json.key("settled"); json.bool(settled) }
            json.key("status"); json.string(status)
            json.key("updated_at"); json.string(updatedAt)
        }
    }
}

extension StatusChange: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            json.key("at"); json.string(at)
            if let reason { json.key("reason"); json.string(reason) }
            json.key("status"); json.string(status)
        }
    }
}

extension OrderPage: JSONWritable {
    public func write(to json: inout JSONWriter) {
        json.object { json in
            if let nextAfter { json.key("next_after"); json.string(nextAfter) }
            json.key("orders"); json.array(orders) { json, order in json.value(order) }
        }
    }
}

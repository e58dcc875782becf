/// The orders waiting for a fulfillment worker, first in first out, with amortised O(1) push
/// and pop. An order stays known from its push until `finished`, so one that is queued or
/// being worked on is not queued a second time (a redelivered `order_processing`, or a
/// pending fulfillment resumed while its event is still being consumed).
struct FulfillmentWorkQueue {
    private var items: [String] = []
    private var head = 0
    private var known: Set<String> = []

    /// Queues `orderID` unless it is already queued or being worked on.
    mutating func push(_ orderID: String) {
        guard known.insert(orderID).inserted else { return }
        items.append(orderID)
    }

    /// The oldest waiting order; it stays known until `finished`.
    mutating func pop() -> String? {
        guard head < items.count else { return nil }
        let orderID = items[head]
        head += 1
        // Drop the consumed prefix once it is at least half the storage: each element moves
        // at most once per time it is consumed, so pops stay O(1) on average.
        if head >= 1024, head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        } else if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        return orderID
    }

    /// Forgets `orderID` once its worker is done, so a later event for it can queue it again.
    mutating func finished(_ orderID: String) { known.remove(orderID) }
}

import Testing
@testable import FulfillmentService

/// The fulfillment queue: first in first out through many compactions, and an order queued or
/// in work is not queued twice until its worker is done.
@Suite struct FulfillmentWorkQueueTests {
    @Test func ordersComeOutInOrderThroughManyCompactions() {
        var queue = FulfillmentWorkQueue()
        var popped: [String] = []
        var next = 0
        // Push ahead of the pops so the consumed prefix grows past the compaction threshold.
        for round in 0..<20 {
            for _ in 0..<(300 + round) {
                queue.push("o\(next)")
                next += 1
            }
            for _ in 0..<250 { if let id = queue.pop() { popped.append(id) } }
        }
        while let id = queue.pop() { popped.append(id) }
        #expect(popped == (0..<next).map { "o\($0)" })
        #expect(queue.pop() == nil)
    }

    @Test func aKnownOrderIsNotQueuedAgainUntilFinished() {
        var queue = FulfillmentWorkQueue()
        queue.push("a")
        queue.push("a")
        #expect(queue.pop() == "a")
        #expect(queue.pop() == nil)
        queue.push("a")  // still in work
        #expect(queue.pop() == nil)
        queue.finished("a")
        queue.push("a")
        #expect(queue.pop() == "a")
    }
}

import CRdKafka
import Foundation
import MessageLog
import Synchronization
import Testing

@testable import KafkaLog

/// The two bridges between librdkafka's threads and async callers: jobs run on the client's
/// own thread in call order, and an append resumes once every record's report is in.
@Suite struct ClientThreadTests {
    @Test func jobsRunInOrderOffTheCallersThreadAndNoneAfterFinish() async throws {
        let thread = ClientThread(name: "test-client")
        let order = Mutex<[Int]>([])
        var threads = Set<UInt>()
        for index in 0..<20 {
            threads.insert(try await thread.run { order.withLock { $0.append(index) }; return UInt(pthread_self()) })
        }
        #expect(order.withLock { $0 } == Array(0..<20))
        #expect(threads.count == 1, "every job runs on the one client thread")
        #expect(try thread.runAndWait { UInt(pthread_self()) } == threads.first)
        #expect(try thread.runAndWait { 42 } == 42)
        let failure = #expect(throws: KafkaLogError.self) { try thread.runAndWait { throw KafkaLogError.timedOut(operation: "x") } }
        #expect(failure == .timedOut(operation: "x"))
        thread.finish()
        await #expect(throws: KafkaLogError.closed) { try await thread.run { 1 } }
        #expect(throws: KafkaLogError.closed) { try thread.runAndWait { 1 } }
    }

    @Test func anAppendResumesWithEveryPositionInOrderOnceAllAreReported() async throws {
        let positions = try await withCheckedThrowingContinuation { continuation in
            let append = AppendInFlight(topic: "orders", count: 3, continuation: continuation)
            append.settle(2, partition: 1, offset: 7, failure: nil)
            append.settle(0, partition: 0, offset: 4, failure: nil)
            append.settle(1, partition: 1, offset: 6, failure: nil)
        }
        #expect(positions.map(\.description) == ["orders-0@4", "orders-1@6", "orders-1@7"])
    }

    @Test func anAppendFailsWhenOneRecordFailsButOnlyAfterEveryReport() async {
        let reported = Mutex(0)
        let error = await #expect(throws: KafkaLogError.self) {
            _ = try await withCheckedThrowingContinuation { continuation in
                let append = AppendInFlight(topic: "orders", count: 2, continuation: continuation)
                append.settle(0, partition: 0, offset: -1, failure: .client("delivery", RD_KAFKA_RESP_ERR__MSG_TIMED_OUT))
                reported.withLock { $0 += 1 }
                append.settle(1, partition: 0, offset: 9, failure: nil)
                reported.withLock { $0 += 1 }
            }
        }
        #expect(reported.withLock { $0 } == 2)
        #expect(error?.description.contains("_MSG_TIMED_OUT") == true, "\(String(describing: error))")
    }
}

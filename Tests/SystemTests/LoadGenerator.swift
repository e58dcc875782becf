import Foundation
import Synchronization

/// Places orders from several threads until stopped; remembers every acknowledged order and
/// counts the requests still waiting for an answer, so a test can tell that a kill hit work in flight.
final class LoadGenerator: Sendable {
    private let acknowledged = Mutex<[String: Int64]>([:])
    private let pending = Mutex(0)
    private let answers = Mutex<(statuses: [Int: Int], refusal: HTTPReply?)>(([:], nil))
    private let running = Mutex(true)
    private let socket: String

    init(socket: String) { self.socket = socket }

    /// Acknowledged orders (201) with their amounts in cents.
    var orders: [String: Int64] { acknowledged.withLock { $0 } }
    /// Requests sent whose answer has not arrived yet.
    var requestsInFlight: Int { pending.withLock { $0 } }
    /// How many answers had each HTTP status.
    var statuses: [Int: Int] { answers.withLock { $0.statuses } }
    /// The last answer that was not 201.
    var lastRefusal: HTTPReply? { answers.withLock { $0.refusal } }

    /// Runs `threads` placing loops in the background.
    func start(threads: Int) {
        for worker in 0..<threads {
            Thread.detachNewThread { [self] in
                var n = 0
                while running.withLock({ $0 }) {
                    n += 1
                    let amount = "\(1 + (worker * 7 + n) % 50).\(String(format: "%02d", n % 100))"
                    let body = try? JSONSerialization.data(withJSONObject: ["amount": amount])
                    pending.withLock { $0 += 1 }
                    let reply = try? UnixHTTPClient.request(socket: socket, "POST", "/v1/orders", body: body, timeout: 5)
                    pending.withLock { $0 -= 1 }
                    guard let reply else {
                        usleep(20_000)
                        continue
                    }
                    answers.withLock { answers in
                        answers.statuses[reply.status, default: 0] += 1
                        if reply.status != 201 { answers.refusal = reply }
                    }
                    if reply.status == 201, let id = reply.json["id"] as? String {
                        acknowledged.withLock { $0[id] = cents(amount) }
                    } else if reply.status >= 500 {
                        usleep(5_000)  // refused (a full disk): the client backs off a little
                    }
                }
            }
        }
    }

    func stop() { running.withLock { $0 = false } }
}

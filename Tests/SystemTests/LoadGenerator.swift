import Foundation
import Synchronization

/// Places orders from several threads until stopped; remembers every acknowledged order and
/// counts the requests still waiting for an answer, so a test can tell that a kill hit work in flight.
final class LoadGenerator: Sendable {
    private let acknowledged = Mutex<[String: Int64]>([:])
    private let pending = Mutex(0)
    private let running = Mutex(true)
    private let socket: String

    init(socket: String) { self.socket = socket }

    /// Acknowledged orders (201) with their amounts in cents.
    var orders: [String: Int64] { acknowledged.withLock { $0 } }
    /// Requests sent whose answer has not arrived yet.
    var requestsInFlight: Int { pending.withLock { $0 } }

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
                    if reply.status == 201, let id = reply.json["id"] as? String {
                        acknowledged.withLock { $0[id] = cents(amount) }
                    }
                }
            }
        }
    }

    func stop() { running.withLock { $0 = false } }
}

import Foundation
import Synchronization

/// A mix of what clients do, from several threads until stopped: orders on the well-funded
/// default account, orders on a lean account that runs dry (checkout fails them), cancels of
/// orders just placed, and deposits that top the lean account up again. Remembers every
/// acknowledged order with its amount; requests that fail (the daemon was killed) are retried
/// later as new requests.
final class MixedLoad: Sendable {
    static let leanAccount = "lean"

    private let acknowledged = Mutex<[String: Int64]>([:])
    /// The orders placed last, newest at the end: what the canceller tries (still `created`).
    private let recent = Mutex<[String]>([])
    private let cancels = Mutex(0)
    private let running = Mutex(true)
    private let socket: @Sendable () -> String

    /// `socket` is read per request: it stays the same path across restarts here.
    init(socket: @escaping @Sendable () -> String) { self.socket = socket }

    var orders: [String: Int64] { acknowledged.withLock { $0 } }
    var canceled: Int { cancels.withLock { $0 } }

    func start() {
        for worker in 0..<5 {
            Thread.detachNewThread { [self] in
                var n = 0
                while running.withLock({ $0 }) {
                    n += 1
                    switch worker {
                    case 0, 1, 2: placeOrder(account: nil, amount: "\(1 + (worker * 7 + n) % 40).\(String(format: "%02d", n % 100))")
                    case 3: placeOrder(account: Self.leanAccount, amount: "\(2 + n % 5).00")
                    default: n % 4 == 0 ? deposit() : cancelRecent()
                    }
                }
            }
        }
    }

    func stop() { running.withLock { $0 = false } }

    private func send(_ method: String, _ target: String, _ body: [String: Any]) -> HTTPReply? {
        let data = try? JSONSerialization.data(withJSONObject: body)
        guard let reply = try? UnixHTTPClient.request(socket: socket(), method, target, body: data, timeout: 5) else {
            usleep(20_000)  // the daemon is down or restarting
            return nil
        }
        return reply
    }

    private func placeOrder(account: String?, amount: String) {
        var body: [String: Any] = ["amount": amount]
        if let account { body["account_id"] = account }
        if let reply = send("POST", "/v1/orders", body), reply.status == 201, let id = reply.json["id"] as? String {
            acknowledged.withLock { $0[id] = cents(amount) }
            recent.withLock { recent in
                recent.append(id)
                if recent.count > 16 { recent.removeFirst() }
            }
        }
    }

    private func cancelRecent() {
        guard let id = recent.withLock({ $0.popLast() }) else {
            usleep(5_000)
            return
        }
        if send("POST", "/v1/orders/\(id)/cancel", [:])?.status == 200 { cancels.withLock { $0 += 1 } }
        usleep(10_000)
    }

    private func deposit() {
        _ = send("POST", "/v1/accounts/\(Self.leanAccount)/deposit", ["amount": "5.00"])
        usleep(10_000)
    }
}

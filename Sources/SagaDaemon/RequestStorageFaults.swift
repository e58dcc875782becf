import Synchronization

/// Requests refused for a storage fault (507 or 503: a full disk, a busy or failing database),
/// for `/healthz`: the services' consumers and relays report the faults they wait out, but a
/// full disk may first — or only — show in the answers to requests. A fault counts until a
/// later write request succeeds, or until `window` passes without another one.
final class RequestStorageFaults: Sendable {
    private struct Seen {
        var detail: String
        var count: Int
        var last: ContinuousClock.Instant
    }

    let window: Duration
    private let seen = Mutex<Seen?>(nil)

    init(window: Duration = .seconds(30)) {
        self.window = window
    }

    /// A request was refused: `detail` says why.
    func record(_ detail: String, now: ContinuousClock.Instant = .now) {
        seen.withLock { seen in
            seen = Seen(detail: detail, count: (seen?.count ?? 0) + 1, last: now)
        }
    }

    /// A write request went through: the fault is over.
    func clear() {
        seen.withLock { $0 = nil }
    }

    /// The fault as `/healthz` shows it, or nil when there is none (or it is older than `window`).
    func current(now: ContinuousClock.Instant = .now) -> String? {
        seen.withLock { seen -> String? in
            guard let fault = seen else { return nil }
            guard now - fault.last < window else {
                seen = nil
                return nil
            }
            return "\(fault.count) request(s) refused since the last write that went through, the last "
                + "\((now - fault.last).components.seconds) s ago: \(fault.detail)"
        }
    }
}

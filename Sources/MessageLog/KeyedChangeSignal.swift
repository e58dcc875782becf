import Synchronization

/// Lets tasks wait until something identified by a key changes (new records in the log, an
/// order's status), without polling: a change bumps the key's version and wakes its waiters.
public final class KeyedChangeSignal: Sendable {
    private struct Waiter {
        var key: String
        var continuation: CheckedContinuation<Void, Never>
        var timer: Task<Void, Never>?
    }

    private struct State {
        var versions: [String: UInt64] = [:]
        var waiters: [Int: Waiter] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func version(of key: String) -> UInt64 { state.withLock { $0.versions[key] ?? 0 } }

    /// Marks `keys` changed and wakes whoever waits on them.
    public func notify(_ keys: Set<String>) {
        guard !keys.isEmpty else { return }
        let woken = state.withLock { state -> [Waiter] in
            for key in keys { state.versions[key, default: 0] &+= 1 }
            let ids = state.waiters.filter { keys.contains($0.value.key) }.map(\.key)
            return ids.compactMap { state.waiters.removeValue(forKey: $0) }
        }
        for waiter in woken {
            waiter.timer?.cancel()
            waiter.continuation.resume()
        }
        // Versions of keys nobody waits for are only needed while a waiter could compare
        // against them; keep the table from growing without bound.
        state.withLock { state in
            if state.versions.count > 100_000 { state.versions.removeAll(keepingCapacity: true) }
        }
    }

    /// Returns when `key` changes from `seen`, after `timeout`, or on cancellation.
    public func wait(for key: String, changingFrom seen: UInt64, timeout: Duration) async {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let registered = state.withLock { state -> Bool in
                    guard (state.versions[key] ?? 0) == seen, !Task.isCancelled else { return false }
                    state.waiters[id] = Waiter(key: key, continuation: continuation, timer: nil)
                    return true
                }
                guard registered else { return continuation.resume() }
                let timer = Task { [self] in
                    try? await Task.sleep(for: timeout)
                    if !Task.isCancelled { resume(id) }
                }
                let stillWaiting = state.withLock { state -> Bool in
                    guard state.waiters[id] != nil else { return false }
                    state.waiters[id]!.timer = timer
                    return true
                }
                if !stillWaiting { timer.cancel() }
            }
        } onCancel: {
            resume(id)
        }
    }

    private func resume(_ id: Int) {
        guard let waiter = state.withLock({ $0.waiters.removeValue(forKey: id) }) else { return }
        waiter.timer?.cancel()
        waiter.continuation.resume()
    }
}

import Synchronization

/// Lets tasks wait until something identified by a key changes (new records in the log, an
/// order's status), without polling: a change bumps the key's version and wakes its waiters.
///
/// Timeouts are kept by one sweeper task that runs while anyone waits and wakes every
/// `sweepInterval`, not by a sleeping task per wait: on Linux a cancelled `Task.sleep` keeps its
/// timer allocated until the deadline would have passed, so every long poll answered early
/// (60 s, thousands a second) held memory for its whole timeout.
public final class KeyedChangeSignal: Sendable {
    private struct Waiter {
        /// A change to any of them wakes the waiter.
        var keys: [String]
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        /// The sequence number of each key's last change, for the most recent keys.
        var versions: [String: UInt64] = [:]
        /// Bumped by every `notify`.
        var sequence: UInt64 = 0
        /// The sequence when `versions` was last emptied: the version of every key not in it.
        var forgottenUpTo: UInt64 = 0
        var waiters: [Int: Waiter] = [:]
        /// The ids of the waiters on each key: a change looks up its keys' waiters instead of
        /// scanning every waiter (a long poll per client, hundreds under load).
        var waiting: [String: [Int]] = [:]
        var nextID = 0

        func version(of key: String) -> UInt64 { versions[key] ?? forgottenUpTo }
        var sweeping = false

        mutating func add(_ waiter: Waiter, id: Int) {
            waiters[id] = waiter
            for key in waiter.keys { waiting[key, default: []].append(id) }
        }

        mutating func remove(_ id: Int) -> Waiter? {
            guard let waiter = waiters.removeValue(forKey: id) else { return nil }
            for key in waiter.keys {
                guard var ids = waiting.removeValue(forKey: key) else { continue }
                ids.removeAll { $0 == id }
                if !ids.isEmpty { waiting[key] = ids }
            }
            return waiter
        }
    }

    /// How late a timeout may fire.
    static let sweepInterval: Duration = .milliseconds(20)

    private let state = Mutex(State())

    public init() {}

    /// How many keys' versions are kept; then the table is emptied. A key forgotten that way
    /// reads as changed at the moment it was forgotten, so a waiter may wake once for nothing
    /// but never misses a change.
    public static let rememberedKeys = 10_000

    /// The key's version: compare it with a later one, or pass it to `wait`.
    public func version(of key: String) -> UInt64 { state.withLock { $0.version(of: key) } }

    /// The versions of `keys`, in their order (for `wait(forAnyOf:changingFrom:timeout:)`).
    public func versions(of keys: [String]) -> [UInt64] { state.withLock { state in keys.map { state.version(of: $0) } } }

    /// Marks `keys` changed and wakes whoever waits on them.
    public func notify(_ keys: Set<String>) {
        notify(keys, expecting: [:]) { _, _ in }
    }

    /// Marks `keys` changed and wakes whoever waits on them; before any waiter wakes (under
    /// the signal's lock: `publish` must be quick and not call back), `publish` gets the keys of
    /// `expected` whose version still was the expected one — nothing changed them since the
    /// caller looked — and the version they have now. What the caller read about those keys
    /// after looking is therefore current at that version.
    public func notify(
        _ keys: Set<String>, expecting expected: [String: UInt64], publish: (_ unchanged: Set<String>, _ version: UInt64) -> Void
    ) {
        guard !keys.isEmpty else { return }
        let woken = state.withLock { state -> [Waiter] in
            var unchanged: Set<String> = []
            for (key, version) in expected where keys.contains(key) && state.version(of: key) == version { unchanged.insert(key) }
            if state.versions.count + keys.count > Self.rememberedKeys {
                state.forgottenUpTo = state.sequence
                state.versions.removeAll(keepingCapacity: true)
            }
            state.sequence += 1
            for key in keys { state.versions[key] = state.sequence }
            if !unchanged.isEmpty { publish(unchanged, state.sequence) }
            guard !state.waiting.isEmpty else { return [] }
            var woken: [Waiter] = []
            for key in keys {
                for id in state.waiting[key] ?? [] {
                    if let waiter = state.remove(id) { woken.append(waiter) }
                }
            }
            return woken
        }
        for waiter in woken { waiter.continuation.resume() }
    }

    /// Marks every key someone waits on changed and wakes them all: for when changes may have
    /// gone unannounced (a lost notification connection), so that each waiter looks again.
    public func notifyAll() {
        notify(state.withLock { Set($0.waiting.keys) })
    }

    /// Runs `body` with `key`'s version if it is still `seen` (nothing changed the key since the
    /// caller looked), under the signal's lock (`body` must be quick and not call back); returns
    /// whether it ran.
    @discardableResult
    public func ifUnchanged(_ key: String, since seen: UInt64, _ body: (UInt64) -> Void) -> Bool {
        state.withLock { state in
            guard state.version(of: key) == seen else { return false }
            body(seen)
            return true
        }
    }

    /// The keys among `keys` that someone waits on right now.
    public func awaited(among keys: Set<String>) -> Set<String> {
        state.withLock { state in
            guard !state.waiting.isEmpty else { return [] }
            return keys.filter { state.waiting[$0] != nil }
        }
    }

    /// Returns when `key` changes from `seen`, after `timeout` (up to `sweepInterval` later),
    /// or on cancellation.
    public func wait(for key: String, changingFrom seen: UInt64, timeout: Duration) async {
        await wait(forAnyOf: [key], changingFrom: [seen], timeout: timeout)
    }

    /// Returns when any of `keys` changes from its version in `seen` (same order), after
    /// `timeout` (up to `sweepInterval` later), or on cancellation.
    public func wait(forAnyOf keys: [String], changingFrom seen: [UInt64], timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let (registered, startSweeper) = state.withLock { state -> (Bool, Bool) in
                    let unchanged = zip(keys, seen).allSatisfy { state.version(of: $0) == $1 }
                    guard unchanged, !Task.isCancelled else { return (false, false) }
                    state.add(Waiter(keys: keys, deadline: deadline, continuation: continuation), id: id)
                    defer { state.sweeping = true }
                    return (true, !state.sweeping)
                }
                guard registered else { return continuation.resume() }
                if startSweeper { Task { await self.sweep() } }
            }
        } onCancel: {
            resume(id)
        }
    }

    /// Wakes the waiters whose deadline passed, every `sweepInterval`, until none waits.
    private func sweep() async {
        while true {
            try? await Task.sleep(for: Self.sweepInterval)
            let now = ContinuousClock.now
            let (expired, more) = state.withLock { state -> ([Waiter], Bool) in
                let ids = state.waiters.compactMap { $0.value.deadline <= now ? $0.key : nil }
                let expired = ids.compactMap { state.remove($0) }
                if state.waiters.isEmpty { state.sweeping = false }
                return (expired, state.sweeping)
            }
            for waiter in expired { waiter.continuation.resume() }
            if !more { return }
        }
    }

    private func resume(_ id: Int) {
        guard let waiter = state.withLock({ $0.remove(id) }) else { return }
        waiter.continuation.resume()
    }
}

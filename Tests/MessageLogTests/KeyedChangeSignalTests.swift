import MessageLog
import Synchronization
import Testing

/// Waits end on a change, on their timeout (kept by one sweeper, at most `sweepInterval` late)
/// or on cancellation — whichever comes first.
@Suite struct KeyedChangeSignalTests {
    let clock = ContinuousClock()

    @Test func aChangeWakesItsWaiterLongBeforeTheTimeout() async {
        let signal = KeyedChangeSignal()
        let seen = signal.version(of: "a")
        let start = clock.now
        async let waited: Void = signal.wait(for: "a", changingFrom: seen, timeout: .seconds(30))
        try? await Task.sleep(for: .milliseconds(50))
        signal.notify(["b"])
        signal.notify(["a"])
        await waited
        #expect(clock.now - start < .seconds(30))
        #expect(signal.version(of: "a") != seen)
    }

    /// What a notifier read about a key is published only if nothing changed the key since it
    /// looked, and before the key's waiters wake.
    @Test func aNotifyPublishesOnlyKeysUnchangedSinceTheNotifierLookedBeforeWaking() async {
        let signal = KeyedChangeSignal()
        let expected = ["a": signal.version(of: "a"), "b": signal.version(of: "b")]
        signal.notify(["b"])  // another change to b after the notifier looked
        let seen = signal.version(of: "a")
        let published = PublishedKeys()
        let waiter = Task {
            await signal.wait(for: "a", changingFrom: seen, timeout: .seconds(30))
            return published.keys
        }
        #expect(await eventually { signal.awaited(among: ["a", "b"]) == ["a"] })
        signal.notify(["a", "b"], expecting: expected) { unchanged, version in
            published.set(unchanged, at: version)
        }
        #expect(await waiter.value == ["a"], "published before the waiter woke, and only a")
        #expect(published.version == signal.version(of: "a"))
        #expect(signal.awaited(among: ["a", "b"]).isEmpty)
    }

    @Test func ifUnchangedRunsOnlyWhileNothingChangedTheKey() {
        let signal = KeyedChangeSignal()
        let seen = signal.version(of: "a")
        var ranAt: [UInt64] = []
        #expect(signal.ifUnchanged("a", since: seen) { ranAt.append($0) })
        signal.notify(["a"])
        #expect(!signal.ifUnchanged("a", since: seen) { ranAt.append($0) })
        #expect(ranAt == [seen])
    }

    /// A wait on several keys ends on a change to any of them, and not on another key.
    @Test func aWaitOnSeveralKeysEndsOnAnyOfThem() async {
        let signal = KeyedChangeSignal()
        let keys = ["a", "b"]
        let seen = signal.versions(of: keys)
        let start = clock.now
        async let waited: Void = signal.wait(forAnyOf: keys, changingFrom: seen, timeout: .seconds(30))
        try? await Task.sleep(for: .milliseconds(50))
        signal.notify(["c"])
        try? await Task.sleep(for: .milliseconds(50))
        #expect(signal.versions(of: keys) == seen)
        signal.notify(["b"])
        await waited
        #expect(clock.now - start < .seconds(30))
        // Already changed when it starts: returns at once.
        let early = clock.now
        await signal.wait(forAnyOf: keys, changingFrom: seen, timeout: .seconds(30))
        #expect(clock.now - early < .seconds(30))
    }

    @Test func aWaitEndsAtItsTimeoutWithoutAChange() async {
        let signal = KeyedChangeSignal()
        let start = clock.now
        await signal.wait(for: "a", changingFrom: 0, timeout: .milliseconds(100))
        let waited = clock.now - start
        #expect(waited >= .milliseconds(100) && waited < .seconds(30), "\(waited)")
    }

    /// Many waits with different timeouts, one sweeper: each ends, none before its time.
    @Test func manyTimeoutsAllEnd() async {
        let signal = KeyedChangeSignal()
        let early = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<500 {
                group.addTask {
                    let timeout = Duration.milliseconds(10 + index % 50)
                    let start = ContinuousClock.now
                    await signal.wait(for: "k\(index)", changingFrom: 0, timeout: timeout)
                    return ContinuousClock.now - start < timeout
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(early == 0)
        // The sweeper stopped with the last waiter; a new wait starts another.
        let start = clock.now
        await signal.wait(for: "again", changingFrom: 0, timeout: .milliseconds(30))
        #expect(clock.now - start >= .milliseconds(30))
    }

    /// Past `rememberedKeys` the table is emptied; a key changed before that still reads as
    /// changed (never as the version a waiter saw), so no change is missed.
    @Test func forgottenKeysNeverHideAChange() async {
        let signal = KeyedChangeSignal()
        let seen = signal.version(of: "watched")
        signal.notify(["watched"])
        for index in 0..<(KeyedChangeSignal.rememberedKeys + 10) { signal.notify(["other-\(index)"]) }
        #expect(signal.version(of: "watched") != seen)
        let start = clock.now
        await signal.wait(for: "watched", changingFrom: seen, timeout: .seconds(30))
        #expect(clock.now - start < .seconds(20), "a change made before the table was emptied was missed")
        #expect(signal.version(of: "never-changed") != 0, "a forgotten key reads as changed when forgotten")
    }

    @Test func cancellationEndsAWait() async {
        let signal = KeyedChangeSignal()
        let start = clock.now
        let task = Task { await signal.wait(for: "a", changingFrom: 0, timeout: .seconds(30)) }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        await task.value
        #expect(clock.now - start < .seconds(30))
    }

    /// Waiters are found by key: a change wakes every waiter on any of its keys once, a waiter
    /// on two keys is gone from both after either wakes it, and one that timed out is gone too.
    @Test func eachChangeWakesExactlyTheWaitersOfItsKeys() async {
        let signal = KeyedChangeSignal()
        let (a, b) = (signal.version(of: "a"), signal.version(of: "b"))
        let woken = WokenNames()
        await withTaskGroup(of: Void.self) { group in
            for (name, keys, seen) in [("onA", ["a"], [a]), ("onBoth", ["a", "b"], [a, b]), ("onB", ["b"], [b]),
                                       ("alsoOnB", ["b"], [b])] {
                group.addTask {
                    await signal.wait(forAnyOf: keys, changingFrom: seen, timeout: .seconds(30))
                    woken.add(name)
                }
            }
            group.addTask { await signal.wait(for: "c", changingFrom: signal.version(of: "c"), timeout: .milliseconds(50)) }
            #expect(await eventually { signal.awaited(among: ["a", "b", "c", "d"]) == ["a", "b", "c"] })
            signal.notify(["a", "d"])
            #expect(await eventually { Set(woken.names) == ["onA", "onBoth"] })
            // "onBoth" no longer waits on "b"; the timed-out wait on "c" is gone.
            #expect(await eventually { signal.awaited(among: ["a", "b", "c"]) == ["b"] })
            signal.notify(["b"])
            await group.waitForAll()
        }
        #expect(woken.names.sorted() == ["alsoOnB", "onA", "onB", "onBoth"], "each woke once")
        #expect(signal.awaited(among: ["a", "b", "c"]).isEmpty)
    }
}

/// Which waiters woke, in order.
private final class WokenNames: Sendable {
    private let state = Mutex<[String]>([])
    var names: [String] { state.withLock { $0 } }
    func add(_ name: String) { state.withLock { $0.append(name) } }
}

/// What a test's `publish` closure was given.
private final class PublishedKeys: Sendable {
    private let state = Mutex<(keys: Set<String>, version: UInt64)>(([], 0))
    var keys: Set<String> { state.withLock { $0.keys } }
    var version: UInt64 { state.withLock { $0.version } }
    func set(_ keys: Set<String>, at version: UInt64) { state.withLock { $0 = (keys, version) } }
}

/// Polls `condition` every millisecond for up to 10 s.
private func eventually(_ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return condition()
}

import Dispatch
import Foundation
import Synchronization

/// The log's single writer thread. Appenders queue encoded records on their partition and
/// wake it; each pass drains every waiting partition into one `write` per partition, then
/// (under `always`) one `fdatasync` per written partition, and only then completes the
/// appenders — so concurrent appends share a sync (group commit). Consumer groups' offset
/// commits are written here too, and synced on their own schedule (`OffsetCommitSchedule`).
final class GroupCommitWriter: Sendable {
    private let durability: DurabilityPolicy
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let state = Mutex(State())
    private let onPublish: @Sendable (Set<String>) -> Void

    private struct State {
        var ready: [ObjectIdentifier: Partition] = [:]
        /// Partitions with unsynced writes, for `interval` and `never`.
        var unsynced: [ObjectIdentifier: Partition] = [:]
        var offsetCommits: [PendingOffsetCommit] = []
        var sleeping = false
        var stopping = false
        var started = false
    }

    /// `onPublish` runs after each pass that made records visible, with the topics that got
    /// them (to wake their consumers, and only theirs).
    init(durability: DurabilityPolicy, onPublish: @escaping @Sendable (Set<String>) -> Void) {
        self.durability = durability
        self.onPublish = onPublish
    }

    func start() {
        state.withLock { $0.started = true }
        let thread = Thread { [self] in run() }
        thread.name = "sagalog-writer"
        thread.qualityOfService = .userInitiated
        thread.start()
    }

    /// Queues `append` on `partition` and wakes the writer if it sleeps.
    func submit(_ append: PendingAppend, to partition: Partition) {
        guard partition.enqueue(append) else { return }
        let (signal, stopped) = state.withLock { state -> (Bool, Bool) in
            if state.stopping { return (false, true) }
            state.ready[ObjectIdentifier(partition)] = partition
            let signal = state.sleeping
            state.sleeping = false
            return (signal, false)
        }
        if stopped {
            // The writer is gone; drain what we queued so nobody waits forever.
            partition.failQueued(with: .logClosed)
            return
        }
        if signal { wake.signal() }
    }

    /// Queues an offset commit and wakes the writer if it sleeps; fails it when the log is closing.
    func submit(_ commit: PendingOffsetCommit) {
        let (signal, stopped) = state.withLock { state -> (Bool, Bool) in
            if state.stopping { return (false, true) }
            state.offsetCommits.append(commit)
            let signal = state.sleeping
            state.sleeping = false
            return (signal, false)
        }
        if stopped { commit.completion(.failure(.logClosed)) }
        if signal { wake.signal() }
    }

    /// Writes everything queued, syncs, and stops the thread.
    func stop() {
        let started = state.withLock { state -> Bool in
            state.stopping = true
            return state.started
        }
        guard started else { return }
        wake.signal()
        finished.wait()
    }

    private func run() {
        var lastSync = DispatchTime.now()
        var lastPassAppends = 0
        var offsets = OffsetCommitSchedule()
        while true {
            let (partitions, commits, stopping) = state.withLock { state -> ([Partition], [PendingOffsetCommit], Bool) in
                let ready = Array(state.ready.values)
                state.ready.removeAll(keepingCapacity: true)
                let commits = state.offsetCommits
                state.offsetCommits.removeAll(keepingCapacity: true)
                if ready.isEmpty && commits.isEmpty && !state.stopping { state.sleeping = true }
                return (ready, commits, state.stopping)
            }
            if partitions.isEmpty && commits.isEmpty {
                if stopping { break }
                switch durability {
                case .interval(let ms):
                    if wake.wait(timeout: lastSync + .milliseconds(ms)) == .timedOut {
                        state.withLock { $0.sleeping = false }
                        syncUnsynced()
                        offsets.syncIfDue(force: true)
                        lastSync = .now()
                    }
                case .always where offsets.hasUnsynced:
                    if wake.wait(timeout: offsets.syncDeadline) == .timedOut {
                        state.withLock { $0.sleeping = false }
                        offsets.syncIfDue()
                    }
                default:
                    wake.wait()
                }
                continue
            }
            if !partitions.isEmpty {
                if durability == .always && lastPassAppends >= 4 { linger(over: partitions, expecting: lastPassAppends) }
                lastPassAppends = pass(over: partitions)
            }
            if !commits.isEmpty { offsets.write(commits) }
            switch durability {
            case .always:
                offsets.syncIfDue()
            case .interval(let ms) where DispatchTime.now() >= lastSync + .milliseconds(ms):
                syncUnsynced()
                offsets.syncIfDue(force: true)
                lastSync = .now()
            default:
                break
            }
        }
        if durability != .always { syncUnsynced() }
        offsets.syncIfDue(force: true)
        finished.signal()
    }

    /// Under `always`, when the last pass served several appenders, waits up to ~0.2 ms while
    /// their next appends keep arriving, so that they share this pass's fsync instead of
    /// each starting a small one (like Kafka's linger.ms, but only while the queue grows).
    private func linger(over partitions: [Partition], expecting: Int) {
        var queued = partitions.reduce(0) { $0 + $1.queuedAppends }
        for _ in 0..<10 where queued < expecting {
            usleep(20)
            let now = partitions.reduce(0) { $0 + $1.queuedAppends }
            if now == queued { return }
            queued = now
        }
    }

    /// Writes and (under `always`) syncs each partition's queue; returns how many appends completed.
    @discardableResult
    private func pass(over partitions: [Partition]) -> Int {
        var rounds: [(Partition, Partition.WriteRound)] = []
        for partition in partitions {
            let round = partition.writeQueued()
            rounds.append((partition, round))
        }
        var published: Set<String> = []
        var completed = 0
        for (partition, round) in rounds {
            completed += round.completed.count
            var syncError: SagaLogError? = nil
            if round.wroteBytes {
                if durability == .always {
                    do { try partition.sync() } catch { syncError = SagaLogError.from(error) }
                } else {
                    state.withLock { $0.unsynced[ObjectIdentifier(partition)] = partition }
                }
                if syncError == nil {
                    partition.publishWritten()
                    published.insert(partition.topic)
                }
            }
            for (append, result) in round.completed {
                if let syncError, case .success = result { append.completion(.failure(syncError)) }
                else { append.completion(result) }
            }
            if round.moreQueued {
                state.withLock { $0.ready[ObjectIdentifier(partition)] = partition }
            }
        }
        if !published.isEmpty { onPublish(published) }
        return completed
    }

    private func syncUnsynced() {
        let partitions = state.withLock { state -> [Partition] in
            defer { state.unsynced.removeAll() }
            return Array(state.unsynced.values)
        }
        for partition in partitions { try? partition.sync() }
    }
}

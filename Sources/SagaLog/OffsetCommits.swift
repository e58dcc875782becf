import Dispatch

/// One consumer's offset commit, queued for the log's writer thread (so no thread of Swift's
/// cooperative pool writes files): `completion` hears once the entries are written.
struct PendingOffsetCommit: Sendable {
    let store: OffsetStore
    let offsets: [TopicPartition: Int64]
    let completion: @Sendable (Result<Void, SagaLogError>) -> Void
}

/// The writer thread's side of offset commits: each pass writes the queued commits with one
/// write per group journal, and the journals written since are synced together at most every
/// `syncInterval` — not once per commit. A commit returns once written: it survives a crash of
/// the process at once and a power loss from the next sync on; a power loss before that makes
/// the group re-read at most `syncInterval` of records, which at-least-once consumers (the
/// services' inboxes) drop. Used by the writer thread only.
struct OffsetCommitSchedule {
    /// How long written commits may wait for their sync under `always`.
    static let syncInterval: DispatchTimeInterval = .milliseconds(100)

    private var unsynced: [ObjectIdentifier: OffsetStore] = [:]
    private var lastSync = DispatchTime.now()

    /// Whether journals wait for a sync.
    var hasUnsynced: Bool { !unsynced.isEmpty }
    /// When the journals written since the last sync are due.
    var syncDeadline: DispatchTime { lastSync + Self.syncInterval }

    /// Writes `commits` (merged per journal, later commits winning) and completes them.
    mutating func write(_ commits: [PendingOffsetCommit]) {
        var byStore: [ObjectIdentifier: (OffsetStore, [TopicPartition: Int64], [PendingOffsetCommit])] = [:]
        for commit in commits {
            let key = ObjectIdentifier(commit.store)
            var entry = byStore[key] ?? (commit.store, [:], [])
            entry.1.merge(commit.offsets) { $1 }
            entry.2.append(commit)
            byStore[key] = entry
        }
        for (key, (store, offsets, waiting)) in byStore {
            let result: Result<Void, SagaLogError>
            do {
                try store.commit(offsets)
                unsynced[key] = store
                result = .success(())
            } catch {
                result = .failure(SagaLogError.from(error))
            }
            for commit in waiting { commit.completion(result) }
        }
    }

    /// Syncs the journals written since the last sync when `syncInterval` has passed (or at
    /// once with `force`). A failed sync leaves its journal unsynced, to be tried again: the
    /// offsets it holds are not trusted by retention until then.
    mutating func syncIfDue(force: Bool = false) {
        guard !unsynced.isEmpty, force || DispatchTime.now() >= syncDeadline else { return }
        lastSync = .now()
        for (key, store) in unsynced {
            if (try? store.syncWritten()) != nil { unsynced[key] = nil }
        }
    }
}

import MessageLog

/// A long poll on one order (`wait=change|terminal`), whatever store the order is kept in: the
/// order is read, returned if it is what the poll waits for, and otherwise the poll sleeps on
/// the order's change signal until it is told of a change or the timeout passes.
enum OrderChangeWait {
    /// Waits until the order's history grows past `seenChanges` entries (or it settled, when
    /// `untilTerminal`), or `timeout` passes; returns the order as it then is. `read` reads the
    /// order as of the version of `changes` it is given (a cached view current at that version
    /// may answer). A poll for the settled order sleeps on `settlements`, the rest on `changes`.
    static func wait(
        for id: String, seenChanges: Int?, untilTerminal: Bool, timeout: Duration, changes: KeyedChangeSignal,
        settlements: KeyedChangeSignal, read: (UInt64) async throws -> OrderView
    ) async throws -> OrderView {
        let deadline = ContinuousClock.now + timeout
        let awaited = untilTerminal && seenChanges == nil ? settlements : changes
        while true {
            let awaitedVersion = awaited.version(of: id)
            let view = try await read(changes.version(of: id))
            let settled = view.status.isTerminal && view.isSettled
            if let seen = seenChanges {
                if (view.history?.count ?? 0) > seen || settled { return view }
            } else if !untilTerminal || settled {
                return view
            }
            let remaining = ContinuousClock.now.duration(to: deadline)
            // A cancelled wait would return at once every time round: answer the order as it is.
            if remaining <= .zero || Task.isCancelled { return view }
            await awaited.wait(for: id, changingFrom: awaitedVersion, timeout: remaining)
        }
    }
}

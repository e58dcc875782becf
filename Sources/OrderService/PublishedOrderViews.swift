import GRDB
import MessageLog
import SagaMessaging
import Synchronization

/// Order views read right after the commit that changed them, for the long polls that change
/// wakes (`waitForChange`): they answer from here instead of each reading the database — a hop
/// to a reader connection and back, and under many polls a wait for a free reader, which were
/// most of the daemon's thread wake-ups per order through the socket.
///
/// A view is kept with the version of its order's change signal it is current at; any later
/// change (a cancel through the API, a deadline sweep) bumps the version, and the view is no
/// longer used. Only orders somebody waits on are read, on the order service's own thread,
/// through the connection that just committed.
final class PublishedOrderViews: Sendable {
    /// How many views are kept; past that the table is emptied (a poll then reads the database).
    static let capacity = 4096

    private let views = Mutex<[String: (version: UInt64, view: OrderView)]>([:])
    private let database: Mutex<DatabasePool?> = Mutex(nil)

    /// The database views are read from: the order service's, once it is open.
    func attach(_ database: DatabasePool) { self.database.withLock { $0 = database } }

    /// The view of `id` if one is current at `version` (its order's signal version now).
    func view(of id: String, currentAt version: UInt64) -> OrderView? {
        views.withLock { views in views[id].flatMap { $0.version == version ? $0.view : nil } }
    }

    /// Publishes the view of an order just placed, which nobody can have waited on yet, unless
    /// something changed it since its id was made (`seen`, its version then): the first poll of
    /// a new order then reads nothing either.
    func publishPlaced(_ view: OrderView, seen: UInt64, signal: KeyedChangeSignal) {
        signal.ifUnchanged(view.id, since: seen) { version in store([view], version: version) }
    }

    /// Keeps `views` as current at `version`; past `capacity` the table is emptied first.
    private func store(_ read: [OrderView], version: UInt64) {
        views.withLock { views in
            if views.count + read.count > Self.capacity { views.removeAll(keepingCapacity: true) }
            for view in read { views[view.id] = (version, view) }
        }
    }

    /// Tells the waiters of `orderIDs` (just committed) that they changed, and the waiters for
    /// settlement of `settling` (those among them whose change may have settled them). On a
    /// service thread the awaited ones are read first (a blocking read is allowed there) and
    /// published with the change; elsewhere, or when the read fails, the waiters read the
    /// database themselves. A settlement's waiters are told last: what they find published
    /// then is current.
    func notifyChanged(
        _ orderIDs: Set<String>, settling: Set<String>, changes: KeyedChangeSignal, settlements: KeyedChangeSignal
    ) {
        defer { settlements.notify(settling) }
        let awaited = changes.awaited(among: orderIDs).union(settlements.awaited(among: settling))
        guard !awaited.isEmpty, ServiceThread.current != nil, let database = database.withLock({ $0 }) else {
            return changes.notify(orderIDs)
        }
        let keys = Array(awaited)
        let expected = Dictionary(uniqueKeysWithValues: zip(keys, changes.versions(of: keys)))
        // Through the writer connection, which made the change and still has its pages cached:
        // a reader's cache is dropped at every commit and would read them back from the disk.
        let read = try? database.writeWithoutTransaction { db in
            try awaited.compactMap { try OrderQueries.order($0, withHistory: true, in: db) }
        }
        guard let read else { return changes.notify(orderIDs) }
        changes.notify(orderIDs, expecting: expected) { unchanged, version in
            store(read.filter { unchanged.contains($0.id) }, version: version)
        }
    }
}

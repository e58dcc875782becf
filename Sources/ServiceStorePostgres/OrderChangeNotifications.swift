import Logging
import PostgresNIO

/// "This order changed", told to every sagad instance through PostgreSQL's LISTEN/NOTIFY on
/// channel `order_changed` with the order id as payload: what a long poll
/// (`wait=terminal|change`) waits on when the change may be committed by another instance.
///
/// NOTIFY is transactional: a notification sent inside a transaction is delivered when that
/// transaction commits (after the change is visible) and never when it rolls back, so a woken
/// waiter always finds the change. Notifications are not stored: a listener that connects later
/// misses earlier ones, so a waiter reads the order once after it starts listening.
public enum OrderChangeNotification {
    /// The channel every instance listens on.
    public static let channel = "order_changed"

    /// Queues the notification for `orderID` in the transaction open on `connection` (or sends
    /// it at once outside one).
    public static func notify(orderID: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_notify(\(channel), \(orderID))", logger: logger)
    }
}

/// Listens on ``OrderChangeNotification/channel`` on a connection of its own and delivers the
/// ids of orders that changed, from every instance, as an async sequence. The sequence ends with
/// ``PostgresStoreError/listenerConnectionLost(channel:)`` when the connection breaks; make a new
/// listener then (and re-read what you wait on, since notifications sent meanwhile are lost).
public final class OrderChangeListener: Sendable {
    /// The changed orders' ids, in commit order, one per committed notification.
    public let orderIDs: AsyncThrowingStream<String, any Error>
    private let sink: AsyncThrowingStream<String, any Error>.Continuation
    private let connection: PostgresConnection
    private let listening: Task<Void, Never>

    private init(connection: PostgresConnection, orderIDs: AsyncThrowingStream<String, any Error>,
                 sink: AsyncThrowingStream<String, any Error>.Continuation, listening: Task<Void, Never>) {
        self.connection = connection
        self.orderIDs = orderIDs
        self.sink = sink
        self.listening = listening
    }

    /// Opens a connection and returns once its LISTEN is in effect: every notification committed
    /// after this returns is delivered.
    public static func start(store: PostgresStore, channel: String = OrderChangeNotification.channel,
                             logger: Logger) async throws -> OrderChangeListener {
        let connection = try await store.openConnection()
        let (orderIDs, sink) = AsyncThrowingStream.makeStream(of: String.self, throwing: (any Error).self)
        let (ready, readySink) = AsyncThrowingStream.makeStream(of: Void.self, throwing: (any Error).self)
        let listening = Task {
            do {
                try await connection.listen(on: channel) { notifications in
                    // listen(on:) calls this once the server confirmed the LISTEN.
                    readySink.yield()
                    for try await notification in notifications { sink.yield(notification.payload) }
                }
                sink.finish()
            } catch {
                // Before the LISTEN took effect, start() reports the error; after, the sequence
                // ends with the one error that says what to do, the cause goes to the log.
                readySink.finish(throwing: error)
                if !Task.isCancelled {
                    logger.warning("order change listener lost its connection", metadata: [
                        "channel": "\(channel)", "error": "\(PostgresStoreError.serverMessage(error))",
                    ])
                }
                sink.finish(throwing: PostgresStoreError.listenerConnectionLost(channel: channel))
            }
        }
        // And when the connection closes without the sequence failing (a close here without close()).
        connection.closeFuture.whenComplete { _ in sink.finish(throwing: PostgresStoreError.listenerConnectionLost(channel: channel)) }
        do {
            var iterator = ready.makeAsyncIterator()
            guard try await iterator.next() != nil else { throw CancellationError() }
        } catch {
            listening.cancel()
            try? await connection.close()
            throw error
        }
        return OrderChangeListener(connection: connection, orderIDs: orderIDs, sink: sink, listening: listening)
    }

    /// Stops listening and closes the connection; ``orderIDs`` ends (without an error).
    public func close() async {
        sink.finish()
        listening.cancel()
        try? await connection.close()
        await listening.value
    }
}

extension OrderChangeListener {
    /// Until the task is cancelled: listens on `channel` (any channel, not only order changes),
    /// calls `connected` each time a LISTEN is in effect (what was sent while nobody listened is
    /// lost: look again then) and `heard` with each notification's payload; listens again after
    /// a lost connection, backing off while none can be made.
    public static func follow(
        store: PostgresStore, channel: String, logger: Logger, connected: @Sendable () async -> Void,
        heard: @Sendable (String) async -> Void
    ) async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let listener = try await start(store: store, channel: channel, logger: logger)
                failures = 0
                await connected()
                do {
                    for try await payload in listener.orderIDs { await heard(payload) }
                } catch {
                    logger.debug("notifications stopped; listening again", metadata: ["channel": "\(channel)"])
                }
                await listener.close()
            } catch {
                if Task.isCancelled { break }
                failures += 1
                logger.error("cannot listen for notifications; retrying", metadata: [
                    "channel": "\(channel)", "error": "\(PostgresStoreError.serverMessage(error))", "attempt": "\(failures)",
                ])
                try? await Task.sleep(for: .milliseconds(min(5000, 100 << min(failures, 6))))
            }
        }
    }
}

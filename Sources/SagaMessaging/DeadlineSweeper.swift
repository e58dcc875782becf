/// The one loop per service that ends what waited too long: it runs its sweep every
/// `interval` and whenever `wake()` is called (a reload that changed a timeout), never more
/// than one at a time. Deadlines live in the service's database (the time an order entered
/// its status, plus the timeout in force), so nothing is lost when the process dies; this
/// loop only decides when to look, and one indexed query per look finds every due order.
public final class DeadlineSweeper: Sendable {
    /// How often the sweep runs when nothing wakes it.
    public let interval: Duration
    private let wakes: AsyncStream<Void>
    private let wakeSink: AsyncStream<Void>.Continuation

    public init(interval: Duration = .seconds(1)) {
        self.interval = interval
        (wakes, wakeSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a sweep now (one more while one runs is kept; more than that are merged).
    public func wake() { wakeSink.yield() }

    /// Runs `sweep` at once, then on every tick and wake until the task is cancelled. Call once.
    public func run(_ sweep: @escaping @Sendable () async -> Void) async {
        let (interval, wakeSink) = (self.interval, self.wakeSink)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    wakeSink.yield()
                }
            }
            await sweep()
            for await _ in wakes {
                guard !Task.isCancelled else { break }
                await sweep()
            }
            group.cancelAll()
        }
    }
}

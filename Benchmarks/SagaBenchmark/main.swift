import Foundation
import Logging
import OrderService
import SagaDaemon
import SagaLog
import SagaMessaging

// The in-process saga row of `make bench`: the three services on a fresh state directory, with
// no HTTP in between. `--concurrency` tasks each place an order and wait until it settles, then
// take the next, until `--orders` settled. Prints orders/s, CPU ms per order (getrusage of the
// whole process: the services, the log writer and SQLite) and the peak RSS.
// usage: SagaBenchmark --dir DIR [--orders N] [--concurrency C] [--fsync always|never] [--porcelain]

let arguments = CommandLine.arguments
func option(_ name: String, _ fallback: String) -> String {
    guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count else { return fallback }
    return arguments[i + 1]
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
}

let root = option("--dir", "./var/bench") + "/saga-in-process"
let orderCount = Int(option("--orders", "5000")) ?? 5000
let concurrency = Int(option("--concurrency", "64")) ?? 64
try? FileManager.default.removeItem(atPath: root)
try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)

MemoryTrim.keepFreedMemory()  // as sagad does
var logger = Logger(label: "saga-bench")
logger.logLevel = .warning
var settings = SagaRuntime.Settings(stateDirectory: root)
guard let durability = DurabilityPolicy(parsing: option("--fsync", "always")) else {
    throw BenchmarkError(description: "--fsync takes always, never or an interval such as 50ms")
}
settings.log.durability = durability
settings.fulfillment.workDuration = .zero
settings.order.maxInFlight = orderCount + concurrency
settings.checkout.defaultBalanceCents = 1_000_000_000_000
// As sagad does, before the first database opens.
ServiceDatabase.setUpSQLite()
let runtime = try SagaRuntime(settings: settings, logger: logger)
let services = Task { await runtime.run() }

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Places one order and waits until it has settled; returns whether it finished.
func placeAndSettle() async throws -> Bool {
    let order = try await runtime.orders.place(amountCents: 100, accountID: nil, idempotencyKey: nil, trace: nil).order
    var view = order
    while !(view.status.isTerminal && view.isSettled) {
        view = try await runtime.orders.waitForChange(order.id, seenChanges: nil, untilTerminal: true, timeout: .seconds(60))
    }
    return view.status == .finished
}

let clock = ContinuousClock()
let cpuBefore = cpuSeconds()
let start = clock.now
/// Runs `concurrency` closed loops until `orderCount` orders settled; returns how many finished.
func placeAll() async throws -> Int {
    try await withThrowingTaskGroup(of: Int.self) { group in
        let perTask = orderCount / concurrency
        for index in 0..<concurrency {
            let share = perTask + (index < orderCount % concurrency ? 1 : 0)
            group.addTask {
                var count = 0
                for _ in 0..<share where try await placeAndSettle() { count += 1 }
                return count
            }
        }
        var total = 0
        for try await finished in group { total += finished }
        return total
    }
}
let finished = try await placeAll()
let elapsed = (clock.now - start)
let cpu = cpuSeconds() - cpuBefore
services.cancel()
await services.value
try runtime.close()
try? FileManager.default.removeItem(atPath: root)

var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
guard finished == orderCount else {
    throw BenchmarkError(description: "only \(finished) of \(orderCount) orders finished")
}
let perSecond = Double(orderCount) / seconds
let cpuPerOrder = cpu * 1000 / Double(orderCount)
if arguments.contains("--porcelain") {
    // For Benchmarks/saga-bench.sh: orders/s, CPU ms per order, peak RSS in MB.
    print(String(format: "%.0f %.2f %d", perSecond, cpuPerOrder, usage.ru_maxrss / 1024))
} else {
    print(String(
        format: "saga in-process c%d, %d orders: %.0f orders/s, %.2f ms CPU per order, peak RSS %d MB",
        concurrency, orderCount, perSecond, cpuPerOrder, usage.ru_maxrss / 1024))
}

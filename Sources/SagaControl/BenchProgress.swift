import Foundation

/// The bench's progress on stderr: a redrawn bar when stderr is a terminal, otherwise one
/// line each time another tenth of the orders completes.
struct BenchProgress {
    let total: Int
    let isTerminal: Bool
    var barWidth = 30
    /// The least time between two redraws of the bar.
    var redrawInterval: Duration = .milliseconds(100)

    private var reportedTenths = 0
    private var lastDraw: Duration?

    init(total: Int, isTerminal: Bool) {
        self.total = total
        self.isTerminal = isTerminal
    }

    /// The text to write after `completed` orders at `elapsed`, or nil when nothing changes.
    mutating func update(completed: Int, elapsed: Duration) -> String? {
        guard total > 0 else { return nil }
        if isTerminal {
            if let lastDraw, completed < total, elapsed - lastDraw < redrawInterval { return nil }
            lastDraw = elapsed
            return "\r" + bar(completed: completed, elapsed: elapsed)
        }
        let tenths = completed * 10 / total
        guard tenths > reportedTenths else { return nil }
        reportedTenths = tenths
        return "\(completed)/\(total) orders (\(tenths * 10)%), \(rate(completed, elapsed)) orders/s\n"
    }

    /// What to write once the run is over: clears the bar's line on a terminal.
    func finish() -> String? {
        isTerminal && total > 0 ? "\r\u{1B}[2K" : nil
    }

    private func bar(completed: Int, elapsed: Duration) -> String {
        let filled = completed * barWidth / total
        let percent = completed * 100 / total
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: barWidth - filled)
            + "] \(percent)% \(completed)/\(total)  \(rate(completed, elapsed)) orders/s"
    }

    private func rate(_ completed: Int, _ elapsed: Duration) -> String {
        let seconds = OrderWatcher.seconds(elapsed)
        guard seconds > 0 else { return "0.0" }
        return String(format: "%.1f", Double(completed) / seconds)
    }
}

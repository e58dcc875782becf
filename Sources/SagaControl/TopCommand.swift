import ArgumentParser
import Foundation
import SagaAPI

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `sagactl top`: a live view of the daemon, redrawn every second from `/metrics`.
struct TopCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Watch the daemon live: orders/s, in flight, latency, lag, backlog, dead letters, fsyncs/s.",
        discussion: """
            Redraws every second on the terminal's alternate screen, like top; q or Ctrl-C \
            quits and gives the terminal back. Rates are the change of sagad's counters \
            between two scrapes of /metrics; latency is create→terminal (p50, p99) of the \
            orders settled in the last interval. --once waits one interval and prints a single \
            frame, without escape codes (for scripts); when standard output is not a terminal \
            the frames are printed one after another, also without escape codes.
            """
    )

    @Flag(help: "Print one frame (after one interval, for the rates) and exit.")
    var once = false

    @Option(help: ArgumentHelp("Seconds between frames, 0.2 to 60.", valueName: "seconds"))
    var interval: Double = 1

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard interval >= 0.2, interval <= 60 else { throw ValidationError("--interval must be 0.2 to 60 seconds.") }
    }

    func perform(with session: DaemonSession) async throws {
        let pause = Duration.milliseconds(Int(interval * 1000))
        let source = global.socketPath()
        if once || !TerminalScreen.isAvailable {
            var previous = try await scrape(session)
            repeat {
                try await Task.sleep(for: pause)
                let current = try await scrape(session)
                frame(previous, current, source: source).lines().forEach(session.console.printLine)
                previous = current
                if !once { session.console.printLine("") }
            } while !once
            return
        }
        // The first scrape before the screen is taken: an unreachable daemon is reported plainly.
        var previous = try await scrape(session)
        let screen = try TerminalScreen()
        defer { screen.restore() }
        var shown = frame(nil, previous, source: source)
        screen.draw(shown.lines() + ["", "q quit"])
        while !screen.quitRequested {
            await screen.pause(for: pause)
            if screen.quitRequested { break }
            do {
                let current = try await scrape(session)
                shown = frame(previous, current, source: source)
                screen.draw(shown.lines() + ["", "q quit"])
                previous = current
            } catch {
                screen.draw(shown.lines() + ["", "cannot scrape: \(error)", "q quit"])
            }
        }
    }

    private func frame(_ previous: MetricsSample?, _ current: MetricsSample, source: String) -> TopFrame {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "HH:mm:ss"
        let clock = formatter.string(from: Date())
        let width = TerminalScreen.isAvailable && !once ? TerminalScreen.size.columns : 80
        return TopFrame(previous: previous, current: current, source: source, clock: clock, period: interval, width: width)
    }

    private func scrape(_ session: DaemonSession) async throws -> MetricsSample {
        let response = try await session.client.send(try ControlRequest(.metrics)).requireSuccess()
        return MetricsSample(text: response.bodyText, takenAt: ProcessInfo.processInfo.systemUptime)
    }
}

import Foundation
import Testing

/// A tmux server of the test's own (its own socket, so a user's tmux is left alone), driven
/// through `posix_spawn` (`SpawnedChild`): the server tmux forks must not inherit the socket
/// through which Foundation's `Process` learns that a child exited, nor the test process's
/// blocked signals (with them it never hears its children exit, nor `kill-server`).
struct TmuxServer {
    let socketPath = NSTemporaryDirectory() + "sagad-tmux-\(UUID().uuidString.prefix(8)).sock"

    /// Runs tmux with `arguments` and returns what it printed.
    @discardableResult
    func run(_ arguments: [String]) async throws -> String {
        let outputPath = NSTemporaryDirectory() + "tmux-\(UUID().uuidString.prefix(8)).out"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var environment = ProcessInfo.processInfo.environment
        environment["TERM"] = "xterm-256color"
        let child = try SpawnedChild(["/usr/bin/tmux", "-S", socketPath] + arguments, environment: environment, outputPath: outputPath,
                                     resetSignals: true)
        let status = try await child.waitForExit(timeout: .seconds(20))
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else { throw ChildDidNotExit(description: "tmux \(arguments.joined(separator: " ")): \(status) \(output)") }
        return output
    }

    /// Ends the server and every session on it, and removes its socket.
    func kill() async {
        _ = try? await run(["kill-server"])
        try? FileManager.default.removeItem(atPath: socketPath)
    }
}

/// `sagactl top` as a person sees it: in a 100×30 tmux pane against the real daemon under a
/// little load, redrawn every second on the alternate screen, and gone (terminal restored) on
/// `q` or Ctrl-C; `--once` prints one frame without escape codes.
@Suite(.serialized, .blockingCalls) struct TopTests {
    /// Polls the pane until `condition` holds on its text (at most 20 s); returns the last capture.
    static func pane(_ tmux: TmuxServer, _ session: String, until condition: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(20)
        var text = ""
        while true {
            text = try await tmux.run(["capture-pane", "-p", "-t", session])
            if condition(text) { return text }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("the pane never showed what was expected:\n\(text)")
        return text
    }

    /// The `created` rate of the frame's `Orders/s` line.
    static func createdRate(_ text: String) -> Double? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Orders/s") }) else { return nil }
        let words = line.split(separator: " ")
        return words.firstIndex(of: "created").flatMap { words.indices.contains($0 + 1) ? Double(words[$0 + 1]) : nil }
    }

    @Test(arguments: ["q", "C-c"])
    func topRedrawsEverySecondUnderLoadAndGivesTheTerminalBack(_ quitKey: String) async throws {
        let daemon = DaemonProcess(settings: ["fulfillment.work_ms": "20"])
        defer { daemon.cleanUp() }
        try await daemon.start()
        let load = LoadGenerator(socket: daemon.socket)
        load.start(threads: 2)
        defer { load.stop() }
        let session = "sagad-top-\(UUID().uuidString.prefix(8))"
        // Before top, a marker; after it, its exit status and the terminal's modes as stty sees them.
        let script = """
            echo before-top; SAGAD_SOCKET='\(daemon.socket)' '\(DaemonProcess.sagactlPath)' top; echo "top exited $?"; \
            stty -a | tr ' ;' '\\n\\n' | grep -xE -- '-?(icanon|echo|isig)' | tr '\\n' ' '; echo; sleep 120
            """
        let tmux = TmuxServer()
        try await tmux.run(["new-session", "-d", "-s", session, "-x", "100", "-y", "30", "sh", "-c", script])

        let first = try await Self.pane(tmux, session) { $0.contains("sagad top") && $0.contains("Orders/s") }
        #expect(!first.contains("before-top"), "top draws on the alternate screen")
        for heading in ["In flight", "Latency", "Fsyncs/s", "Outbox", "Dead letters", "GROUP", "checkout", "fulfillment", "q quit"] {
            #expect(first.contains(heading), "no \(heading) in\n\(first)")
        }
        // Redrawn under load: the created rate becomes positive and the clock moves on.
        let busy = try await Self.pane(tmux, session) { (Self.createdRate($0) ?? 0) > 0 }
        let clock = { (text: String) in text.split(separator: "\n").dropFirst().first.map(String.init) ?? "" }
        let later = try await Self.pane(tmux, session) { clock($0) != clock(busy) && $0.contains("Orders/s") }
        #expect(later.split(separator: "\n").allSatisfy { $0.count <= 80 }, "the frame fits 80 columns:\n\(later)")
        #expect(later.contains("create→terminal"))

        try await tmux.run(["send-keys", "-t", session, quitKey])
        let after = try await Self.pane(tmux, session) { $0.contains("top exited") && $0.contains("icanon") }
        #expect(after.contains("before-top"), "the normal screen is back:\n\(after)")
        #expect(after.contains("top exited 0"))
        #expect(!after.contains("Orders/s"), "nothing of top is left on the normal screen")
        #expect(after.contains("icanon") && !after.contains("-icanon") && !after.contains("-echo") && !after.contains("-isig"),
                "the terminal's modes are restored:\n\(after)")
        await tmux.kill()
        load.stop()
        #expect(try await daemon.stop() == 0)
    }

    @Test func onceprintsOneFrameWithoutEscapeCodes() async throws {
        let daemon = DaemonProcess(settings: ["fulfillment.work_ms": "20"])
        defer { daemon.cleanUp() }
        try await daemon.start()
        let load = LoadGenerator(socket: daemon.socket)
        load.start(threads: 1)
        defer { load.stop() }
        try await Task.sleep(for: .milliseconds(500))
        let top = try await sagactl(["top", "--once"], socket: daemon.socket)
        #expect(top.status == 0, "\(top.output)")
        #expect(!top.output.contains("\u{1B}"), "no escape codes when not a terminal")
        #expect(top.output.components(separatedBy: "sagad top").count == 2, "one frame")
        #expect((Self.createdRate(top.output) ?? 0) > 0, "\(top.output)")
        #expect(top.output.split(separator: "\n").allSatisfy { $0.count <= 80 })
        load.stop()
        #expect(try await daemon.stop() == 0)
    }
}

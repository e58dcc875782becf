import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The terminal as a full-screen view takes it over, like `top`: the alternate screen with
/// the cursor hidden and keys read one at a time without echo. `q`, Ctrl-C or Ctrl-D (and
/// SIGINT, SIGTERM, SIGHUP) ask to quit; `restore()` gives the terminal back as it was.
final class TerminalScreen: @unchecked Sendable {
    private var saved = termios()
    private let quitFlag = QuitFlag()
    private var signalSources: [any DispatchSourceSignal] = []
    private var restored = false

    /// Whether standard input and output are both a terminal.
    static var isAvailable: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }

    /// Whether a key or a signal asked to quit.
    var quitRequested: Bool { quitFlag.isSet }

    /// Takes the terminal over.
    /// - Throws: `TerminalError` when the terminal's modes cannot be read or set.
    init() throws {
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else {
            throw TerminalError(action: "read the terminal's settings", code: errno)
        }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0 else {
            throw TerminalError(action: "set the terminal's mode", code: errno)
        }
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[H\u{1B}[2J")
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [quitFlag] in quitFlag.set() }
            source.resume()
            signalSources.append(source)
        }
        let flag = quitFlag
        Thread.detachNewThread {
            var byte: UInt8 = 0
            while read(STDIN_FILENO, &byte, 1) == 1 {
                // q, Q, Ctrl-C (ISIG is off, so it arrives as a byte), Ctrl-D.
                if [UInt8(ascii: "q"), UInt8(ascii: "Q"), 0x03, 0x04].contains(byte) {
                    flag.set()
                }
            }
            flag.set()
        }
    }

    /// The terminal's size in columns and rows (80×24 when it cannot be asked).
    static var size: (columns: Int, rows: Int) {
        var window = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &window) == 0, window.ws_col > 0, window.ws_row > 0 else { return (80, 24) }
        return (Int(window.ws_col), Int(window.ws_row))
    }

    /// Redraws the screen with `lines` from the top left (each cleared to its end, the rest
    /// of the screen cleared below), cut to the terminal's size.
    func draw(_ lines: [String]) {
        let (columns, rows) = Self.size
        let shown = lines.prefix(rows).map { $0.count > columns ? String($0.prefix(columns)) : $0 }
        write("\u{1B}[H" + shown.map { $0 + "\u{1B}[K" }.joined(separator: "\r\n") + "\u{1B}[J")
    }

    /// Waits up to `duration`, returning early when quit is asked.
    func pause(for duration: Duration) async {
        let end = ContinuousClock.now + duration
        while !quitRequested, ContinuousClock.now < end {
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Leaves the alternate screen, shows the cursor and puts the terminal's modes back.
    func restore() {
        guard !restored else { return }
        restored = true
        write("\u{1B}[?25h\u{1B}[?1049l")
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
        for source in signalSources { source.cancel() }
        for number in [SIGINT, SIGTERM, SIGHUP] { signal(number, SIG_DFL) }
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// Set once when quitting is asked, from a key-reading thread or a signal handler's queue.
private final class QuitFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .acquiring) }
    func set() { flag.store(true, ordering: .releasing) }
}

/// The terminal could not be taken over (its modes cannot be read or set).
struct TerminalError: Error, CustomStringConvertible {
    var action: String
    var code: Int32
    var description: String { "cannot \(action): \(String(cString: strerror(code)))" }
}

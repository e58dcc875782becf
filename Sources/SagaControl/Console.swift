import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a command writes what it has to say: results to standard output, diagnostics and
/// progress to standard error. Commands take it as a parameter so tests can capture output.
protocol Console: Sendable {
    /// Writes `text` and a newline to standard output.
    func printLine(_ text: String)
    /// Writes `text` and a newline to standard error.
    func printErrorLine(_ text: String)
    /// Writes `text` as is to standard error (progress bars redraw a line with "\r").
    func writeError(_ text: String)
    /// Whether standard error is a terminal, so a redrawn progress bar makes sense.
    var errorIsTerminal: Bool { get }
}

/// The process's real standard output and standard error, written unbuffered so that
/// `tail --follow` and `order watch` show each line as it happens.
struct StandardConsole: Console {
    func printLine(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    func printErrorLine(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    var errorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}

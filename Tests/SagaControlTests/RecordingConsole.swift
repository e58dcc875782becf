import Foundation
@testable import SagaControl

/// A console that keeps what commands print, so tests can check output and messages.
final class RecordingConsole: Console, @unchecked Sendable {
    private let lock = NSLock()
    private var outputLines: [String] = []
    private var errorText = ""
    let errorIsTerminal: Bool

    init(errorIsTerminal: Bool = false) {
        self.errorIsTerminal = errorIsTerminal
    }

    func printLine(_ text: String) {
        lock.withLock { outputLines += text.components(separatedBy: "\n") }
    }

    func printErrorLine(_ text: String) {
        lock.withLock { errorText += text + "\n" }
    }

    func writeError(_ text: String) {
        lock.withLock { errorText += text }
    }

    /// Every line written to standard output.
    var output: [String] { lock.withLock { outputLines } }

    /// Everything written to standard error.
    var errors: String { lock.withLock { errorText } }
}

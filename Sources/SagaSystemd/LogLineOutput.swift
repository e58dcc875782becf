#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where ``JournalLogHandler`` writes its finished lines: stderr in the daemon, a buffer in tests.
public struct LogLineOutput: Sendable {
    private let writeLine: @Sendable (String) -> Void

    /// `writeLine` receives one complete line, newline included, per log message.
    public init(_ writeLine: @escaping @Sendable (String) -> Void) {
        self.writeLine = writeLine
    }

    /// Writes one line.
    public func write(_ line: String) {
        writeLine(line)
    }

    /// The process's stderr, one `write(2)` per line where possible so concurrent lines do not
    /// interleave; under systemd, stderr is the journal stream.
    public static let standardError = LogLineOutput { line in
        writeFully(STDERR_FILENO, line)
    }
}

/// Writes all of `text` to `fd`, retrying after EINTR and partial writes. Gives up silently when
/// the descriptor is closed or broken: dropping a log line beats stopping the daemon.
private func writeFully(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { buffer in
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        while offset < buffer.count {
            let written = write(fd, base + offset, buffer.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }
}

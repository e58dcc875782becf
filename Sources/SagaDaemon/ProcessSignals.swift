import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// SIGTERM and SIGINT (stop: drain, then exit; a second one exits at once) and SIGHUP (reload),
/// caught by a plain signal handler that writes the signal's number into a pipe, and acted on by
/// one thread of this type's own that reads the pipe.
///
/// Not Dispatch signal sources (ServiceLifecycle's `UnixSignalsSequence`): on Linux they read a
/// `signalfd`, which sees a signal only while every thread blocks it, and after `dispatch_main`
/// the main thread waits in `sigsuspend` with nothing blocked. It takes the signal and Dispatch
/// re-sends it to the thread that first registered a source, which need not be the one reading
/// the signalfd: now and then a signal was lost (seen as a second Ctrl-C that did nothing). A
/// handler runs on whichever thread takes the signal, so nothing is lost.
final class ProcessSignals: Sendable {
    /// Every SIGHUP not yet reloaded; several while one reload runs are one more reload.
    let hangups: AsyncStream<Void>
    private let hangupContinuation: AsyncStream<Void>.Continuation
    private let stop = Mutex(StopState())
    private let logger: Logger

    private struct StopState {
        var received = 0
        var action: (@Sendable () -> Void)?
    }

    private static let installed = Mutex<ProcessSignals?>(nil)

    /// Installs the handlers and starts the reading thread, once per process; later calls return
    /// the first instance.
    static func install(logger: Logger) throws(ProcessSignalsError) -> ProcessSignals {
        try installed.withLock { (existing: inout ProcessSignals?) throws(ProcessSignalsError) -> ProcessSignals in
            if let existing { return existing }
            var ends: [Int32] = [-1, -1]
            guard pipe(&ends) == 0 else { throw ProcessSignalsError(step: "pipe", errno: errno) }
            for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
            // A full pipe (thousands of unread signals) drops the newest rather than blocking a handler.
            _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
            signalPipeWriteEnd = ends[1]
            let signals = ProcessSignals(logger: logger)
            let readEnd = ends[0]
            let thread = Thread { signals.readLoop(readEnd) }
            thread.name = "sagad-signals"
            thread.start()
            for number in [SIGTERM, SIGINT, SIGHUP] {
                var action = sigaction()
                action.__sigaction_handler.sa_handler = forwardSignalToPipe
                action.sa_flags = SA_RESTART
                sigemptyset(&action.sa_mask)
                guard sigaction(number, &action, nil) == 0 else {
                    throw ProcessSignalsError(step: "sigaction(\(number))", errno: errno)
                }
            }
            existing = signals
            return signals
        }
    }

    private init(logger: Logger) {
        self.logger = logger
        (hangups, hangupContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// What the first stop signal does (start the graceful shutdown). A stop that arrived before
    /// this call runs `action` at once.
    func onFirstStop(_ action: @escaping @Sendable () -> Void) {
        let alreadyStopping = stop.withLock { state in
            state.action = action
            return state.received > 0
        }
        if alreadyStopping { action() }
    }

    private func readLoop(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                logger.error("signal pipe closed; stop and reload signals are no longer handled")
                return
            }
            for number in buffer[..<count] { handle(Int32(number)) }
        }
    }

    private func handle(_ number: Int32) {
        if number == SIGHUP {
            hangupContinuation.yield()
            return
        }
        let (received, action) = stop.withLock { state in
            state.received += 1
            return (state.received, state.action)
        }
        if received == 1 {
            action?()
        } else {
            logger.warning("second stop signal: exiting now without draining")
            fflush(nil)
            _exit(1)
        }
    }
}

struct ProcessSignalsError: Error, CustomStringConvertible {
    let step: String
    let errno: Int32
    var description: String { "cannot install the signal handlers: \(step) failed: \(String(cString: strerror(errno)))" }
}

/// The pipe the handler writes to; set once, before any handler is installed.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// Async-signal-safe: one `write(2)` of the signal's number, errno preserved.
private func forwardSignalToPipe(_ number: Int32) {
    let savedErrno = errno
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(signalPipeWriteEnd, &byte, 1)
    errno = savedErrno
}

import CSystemd
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Tells the service manager about sagad's state through `sd_notify` (READY, STATUS, RELOADING,
/// STOPPING, WATCHDOG). Every call is a no-op outside systemd, so the daemon can call it unconditionally.
public final class SystemdNotifier: Sendable {
    private let logger: Logger
    /// How long one notification may wait for room in the service manager's queue.
    let sendTimeout: Duration

    public init(logger: Logger = Logger(label: "sagad.systemd"), sendTimeout: Duration = .seconds(2)) {
        self.logger = logger
        self.sendTimeout = sendTimeout
    }

    /// True when the service manager gave us a notification socket (`NOTIFY_SOCKET` is set).
    public var isEnabled: Bool {
        guard let value = getenv("NOTIFY_SOCKET") else { return false }
        return value.pointee != 0
    }

    /// Startup is complete: databases migrated, log recovered, API listening. Also ends a reload.
    @discardableResult
    public func ready(status: String? = nil) -> Bool {
        var fields = ["READY=1"]
        if let status { fields.append("STATUS=" + Self.oneLine(status)) }
        return notify(fields.joined(separator: "\n"))
    }

    /// Replaces the one-line status `systemctl status sagad` shows.
    @discardableResult
    public func status(_ text: String) -> Bool {
        notify("STATUS=" + Self.oneLine(text))
    }

    /// A reload (SIGHUP) has begun; send `ready()` when it is done. systemd ≥ 253 needs the timestamp.
    @discardableResult
    public func reloading() -> Bool {
        notify("RELOADING=1\nMONOTONIC_USEC=\(Self.monotonicMicroseconds())")
    }

    /// Shutdown has begun, so systemd does not read the coming silence as a hang.
    @discardableResult
    public func stopping() -> Bool {
        notify("STOPPING=1")
    }

    /// Keep-alive for `WatchdogSec=`; prefer ``SystemdWatchdog``, which pings only while sagad is healthy.
    @discardableResult
    public func watchdogPing() -> Bool {
        notify("WATCHDOG=1")
    }

    /// Asks for more time than `TimeoutStartSec=`/`TimeoutStopSec=` allow, e.g. during a long log recovery.
    @discardableResult
    public func extendTimeout(_ duration: Duration) -> Bool {
        notify("EXTEND_TIMEOUT_USEC=\(Self.microseconds(duration))")
    }

    /// Sends raw `KEY=value` lines. Returns true only when a service manager received them;
    /// failures are logged (a full queue past `sendTimeout` as a warning, others at debug
    /// level) and never thrown, and no call waits longer than `sendTimeout` (see
    /// ``NotifyDatagram``). The environment is left intact: the watchdog and later reloads
    /// need `NOTIFY_SOCKET` again.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard isEnabled, let address = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }) else { return false }
        switch NotifyDatagram.deliver(state, to: address, timeout: sendTimeout) {
        case .sent:
            return true
        case .timedOut:
            logger.warning("the service manager's notify queue stayed full; message dropped", metadata: [
                "state": "\(state.replacingNewlines())", "waited": "\(sendTimeout)",
            ])
            return false
        case .failed(let code):
            logger.debug("sd_notify failed", metadata: [
                "state": "\(state.replacingNewlines())", "error": "\(String(cString: strerror(code)))",
            ])
            return false
        case .unsupportedAddress:
            break
        }
        let result = sd_notify(0, state)
        if result > 0 { return true }
        if result < 0 {
            logger.debug("sd_notify failed", metadata: [
                "state": "\(state.replacingNewlines())",
                "error": "\(String(cString: strerror(-result)))",
            ])
        }
        return false
    }

    /// CLOCK_MONOTONIC in microseconds, the clock systemd compares `MONOTONIC_USEC` against.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }

    /// Whole microseconds in `duration`, clamped at zero.
    static func microseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000 + UInt64(attoseconds / 1_000_000_000_000)
    }

    /// A newline would start a new `KEY=value` assignment, so status text is kept on one line.
    private static func oneLine(_ text: String) -> String {
        text.replacingNewlines()
    }
}

extension String {
    /// The text with line breaks turned into spaces.
    func replacingNewlines() -> String {
        String(map { $0.isNewline ? " " : $0 })
    }
}

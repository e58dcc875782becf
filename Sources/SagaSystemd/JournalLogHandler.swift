import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A swift-log handler writing one line per message. Under systemd (`JOURNAL_STREAM` set) each
/// line starts with an sd-daemon priority such as `<4>`, so journald keeps sagad's log levels;
/// elsewhere it writes `timestamp level label: message key=value…` for people and files.
public struct JournalLogHandler: LogHandler {
    /// The line layout: with a journal priority prefix, or plain with a timestamp.
    public enum Format: Sendable, Equatable {
        /// `<6>label: message key=value` — journald stores the timestamp and the priority itself.
        case journal
        /// `2026-11-27T06:31:00.123+0000 info label: message key=value`.
        case plain

        /// `.journal` when systemd connected stderr to the journal (`JOURNAL_STREAM` is set).
        public static func detect() -> Format {
            guard let value = getenv("JOURNAL_STREAM"), value.pointee != 0 else { return .plain }
            return .journal
        }
    }

    public let label: String
    public let format: Format
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let output: LogLineOutput

    /// `format` defaults to what the environment says; `output` defaults to stderr.
    public init(
        label: String,
        logLevel: Logger.Level = .info,
        format: Format = .detect(),
        output: LogLineOutput = .standardError,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        self.label = label
        self.logLevel = logLevel
        self.format = format
        self.output = output
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error, merged["error"] == nil { merged["error"] = "\(error)" }
        output.write(line(level: event.level, message: event.message.description, metadata: merged))
    }

    /// One finished line, newline included. Line breaks inside the message are escaped so that
    /// journald, which splits on newlines, records one entry with the right priority.
    func line(level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var text = ""
        switch format {
        case .journal:
            text = "<\(Self.priority(of: level))>\(label): "
        case .plain:
            text = "\(Self.timestamp()) \(level) \(label): "
        }
        text += Self.escapingNewlines(message)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            text += " \(key)=\(Self.render(value))"
        }
        return text + "\n"
    }

    /// The syslog priority sd-daemon(3) prefixes expect: 2 critical … 7 debug.
    public static func priority(of level: Logger.Level) -> Int {
        switch level {
        case .critical: return 2
        case .error: return 3
        case .warning: return 4
        case .notice: return 5
        case .info: return 6
        case .debug, .trace: return 7
        }
    }

    /// A metadata value on one line, quoted when it contains spaces, quotes or `=`.
    private static func render(_ value: Logger.Metadata.Value) -> String {
        let text = escapingNewlines(value.description)
        guard text.isEmpty || text.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\t" }) else {
            return text
        }
        var quoted = "\""
        for character in text {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }

    /// Line breaks spelled as `\n`/`\r` so one message stays one line.
    private static func escapingNewlines(_ text: String) -> String {
        guard text.contains(where: \.isNewline) else { return text }
        var escaped = ""
        for character in text {
            switch character {
            case "\r": escaped += "\\r"
            case _ where character.isNewline: escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Local time with milliseconds and offset, e.g. `2026-11-27T06:31:00.123+0000`.
    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        var date = [CChar](repeating: 0, count: 32)
        var zone = [CChar](repeating: 0, count: 8)
        strftime(&date, date.count, "%Y-%m-%dT%H:%M:%S", &parts)
        strftime(&zone, zone.count, "%z", &parts)
        let millis = Int(now.tv_nsec / 1_000_000)
        let fraction = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return "\(Self.string(date)).\(fraction)\(Self.string(zone))"
    }

    /// A NUL-terminated C buffer as a String.
    private static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

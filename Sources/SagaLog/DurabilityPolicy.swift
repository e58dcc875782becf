/// When appended bytes are forced to stable storage with `fdatasync`.
///
/// Every policy survives a crash of the process: bytes handed to `write` sit in the kernel's
/// page cache. The policies differ in what survives a kernel panic or power loss.
public enum DurabilityPolicy: Sendable, Equatable, CustomStringConvertible {
    /// An append returns only after its bytes are synced. Concurrent appends share one
    /// `write` and one `fdatasync` (group commit). Nothing acknowledged is ever lost.
    /// Consumers see a record only once it is durable.
    case always
    /// An append returns once written; a background sync runs every `milliseconds`.
    /// A power loss may lose up to that window of acknowledged records.
    case interval(milliseconds: Int)
    /// An append returns once written; data is synced only when a segment rolls and on
    /// clean close. A power loss may lose everything since the last roll.
    case never

    public var description: String {
        switch self {
        case .always: "always"
        case .interval(let ms): "interval(\(ms)ms)"
        case .never: "never"
        }
    }

    /// Parses `always`, `never`, `interval` (1000 ms) or `interval:<ms>`.
    public init?(parsing text: String) {
        switch text {
        case "always": self = .always
        case "never": self = .never
        case "interval": self = .interval(milliseconds: 1000)
        default:
            guard text.hasPrefix("interval:"), let ms = Int(text.dropFirst("interval:".count)), ms > 0
            else { return nil }
            self = .interval(milliseconds: ms)
        }
    }
}

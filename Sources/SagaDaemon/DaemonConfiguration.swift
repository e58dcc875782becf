import Logging
import SagaLog
import SagaMessaging

/// Everything an operator can set. Each field's initial value is its key's default; the keys
/// themselves (name, documentation, reload flag, parser) are declared once, in `scopes`.
/// Values come from the defaults, then the YAML file, then `SAGAD_<KEY>` environment
/// variables, then command-line flags (later wins); see `ConfigurationLoader`.
public struct DaemonConfiguration: Sendable, Equatable {
    public var stateDirectory = "./var"
    /// `nil` means `<state_dir>/run/sagad.sock`.
    public var controlSocket: String? = nil
    public var controlSocketMode: UInt16 = 0o660
    /// `host:port` of an optional TCP listener; `nil` keeps it off.
    public var httpListen: String? = nil
    public var httpAllowRemote = false
    public var logPartitions = 8
    public var logSegmentBytes: Int64 = 64 << 20
    public var logFsync: DurabilityPolicy = .always
    /// 0 keeps segments forever.
    public var logRetentionHours: Double = 168
    /// 0 means no size limit.
    public var logRetentionBytes: Int64 = 0
    public var checkoutDefaultAccount = "default"
    public var checkoutDefaultBalanceCents: Int64 = 100_000_000
    public var orderRandomAmountMinCents: Int64 = 100
    public var orderRandomAmountMaxCents: Int64 = 10_000
    public var orderMaxInFlight = 10_000
    public var fulfillmentWorkMilliseconds = 200
    public var fulfillmentFailureRate = 0.0
    public var fulfillmentConcurrency = 512
    public var loggingLevel: Logger.Level = .info

    public init() {}

    /// The socket path actually used.
    public var resolvedControlSocket: String { controlSocket ?? stateDirectory + "/run/sagad.sock" }
}

/// A configuration value that cannot be used; sagad exits with code 78 (EX_CONFIG).
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public var key: String
    public var reason: String
    /// Where the value came from: the file, an environment variable or a flag.
    public var source: String?

    public init(key: String, reason: String, source: String? = nil) {
        self.key = key
        self.reason = reason
        self.source = source
    }

    public var description: String {
        "configuration key '\(key)'\(source.map { " (from \($0))" } ?? ""): \(reason)"
    }
}

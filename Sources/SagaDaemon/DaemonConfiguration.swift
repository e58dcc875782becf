import Logging
import SagaLog
import SagaMessaging

/// Everything an operator can set, with the documented defaults of `config/sagad.yaml`.
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

    /// The keys this version understands, as written in the YAML file (dots for nesting).
    public static let keys = [
        "state_dir", "control.socket", "control.socket_mode", "http.listen", "http.allow_remote",
        "log.partitions", "log.segment_bytes", "log.fsync", "log.retention_hours", "log.retention_bytes",
        "checkout.default_account", "checkout.default_balance", "order.random_amount_min", "order.random_amount_max",
        "order.max_in_flight", "fulfillment.work_ms", "fulfillment.failure_rate", "fulfillment.concurrency",
        "logging.level",
    ]

    /// Keys that a SIGHUP applies to the running daemon; the others need a restart.
    public static let reloadableKeys: Set<String> = [
        "logging.level", "fulfillment.work_ms", "fulfillment.failure_rate", "fulfillment.concurrency",
        "order.random_amount_min", "order.random_amount_max", "order.max_in_flight",
    ]

    /// The environment variable that overrides `key`: `SAGAD_` + the key in upper case with
    /// dots as underscores (`fulfillment.failure_rate` → `SAGAD_FULFILLMENT_FAILURE_RATE`).
    public static func environmentName(of key: String) -> String {
        "SAGAD_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// The value of `key` as text, for logging what a reload changed.
    public func describe(_ key: String) -> String {
        switch key {
        case "state_dir": stateDirectory
        case "control.socket": resolvedControlSocket
        case "control.socket_mode": "0" + String(controlSocketMode, radix: 8)
        case "http.listen": httpListen ?? ""
        case "http.allow_remote": "\(httpAllowRemote)"
        case "log.partitions": "\(logPartitions)"
        case "log.segment_bytes": "\(logSegmentBytes)"
        case "log.fsync": "\(logFsync)"
        case "log.retention_hours": "\(logRetentionHours)"
        case "log.retention_bytes": "\(logRetentionBytes)"
        case "checkout.default_account": checkoutDefaultAccount
        case "checkout.default_balance": Money.format(checkoutDefaultBalanceCents)
        case "order.random_amount_min": Money.format(orderRandomAmountMinCents)
        case "order.random_amount_max": Money.format(orderRandomAmountMaxCents)
        case "order.max_in_flight": "\(orderMaxInFlight)"
        case "fulfillment.work_ms": "\(fulfillmentWorkMilliseconds)"
        case "fulfillment.failure_rate": "\(fulfillmentFailureRate)"
        case "fulfillment.concurrency": "\(fulfillmentConcurrency)"
        case "logging.level": loggingLevel.rawValue
        default: "?"
        }
    }
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

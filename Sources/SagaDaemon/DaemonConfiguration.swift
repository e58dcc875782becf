import Logging
import SagaLog
import SagaMessaging

/// Everything an operator can set, held in the settings types of the components that use them:
/// the saga's (`SagaRuntime.Settings`: the log's `LogConfiguration`, each service's settings),
/// the control server's and the log handler's. Each default is the component's own; the keys
/// (name, documentation, reload flag, parser, the field they set) are declared once, in
/// `scopes`. Values come from the defaults, then the YAML file, then `SAGAD_<KEY>` environment
/// variables, then command-line flags (later wins); see `ConfigurationLoader`.
public struct DaemonConfiguration: Sendable, Equatable {
    /// The saga: state directory, log, partitions and the three services.
    public var saga = SagaRuntime.Settings()
    /// Where the control API listens.
    public var control = ControlSettings()
    public var loggingLevel: Logger.Level = .info

    public init() {}

    public var stateDirectory: String {
        get { saga.stateDirectory }
        set { saga.stateDirectory = newValue }
    }

    /// `checkout.default_account`: the account checkout opens and orders without one use.
    public var defaultAccount: String {
        get { saga.checkout.defaultAccountID }
        set {
            saga.checkout.defaultAccountID = newValue
            saga.order.defaultAccountID = newValue
        }
    }

    /// `log.segment_bytes`; the largest record the log takes shrinks with it (it must fit in
    /// a segment), so a small segment size is usable as it stands.
    public var logSegmentBytes: Int64 {
        get { saga.log.segmentBytes }
        set {
            saga.log.segmentBytes = newValue
            saga.log.maxRecordBytes = Int(min(Int64(LogConfiguration().maxRecordBytes), newValue - 64))
        }
    }

    /// The socket path actually used.
    public var resolvedControlSocket: String { control.socket ?? stateDirectory + "/run/sagad.sock" }

    /// The gRPC socket path actually used.
    public var resolvedGRPCSocket: String { control.grpcSocket ?? stateDirectory + "/run/sagad-grpc.sock" }
}

/// What `ControlServer` and `GRPCListeners` listen on: the Unix sockets (bound with `socketMode`
/// unless systemd passes them) and the optional TCP listeners.
public struct ControlSettings: Sendable, Equatable {
    /// `nil` means `<state_dir>/run/sagad.sock`.
    public var socket: String? = nil
    public var socketMode: UInt16 = 0o660
    /// Connections open at once on all listeners; the next is refused with a 503 problem.
    public var maxConnections = 1024
    /// A connection silent this long is closed; a request body must arrive within it.
    public var requestTimeout: Duration = .seconds(30)
    /// `host:port` of an optional TCP listener; `nil` keeps it off.
    public var httpListen: String? = nil
    public var httpAllowRemote = false
    /// The bearer token requests on the TCP listener must carry; `nil`: none is asked for.
    public var httpToken: BearerToken? = nil
    /// Whether the gRPC API is served at all (`grpc.enabled`).
    public var grpcEnabled = true
    /// `nil` means `<state_dir>/run/sagad-grpc.sock`.
    public var grpcSocket: String? = nil
    /// `host:port` of an optional gRPC TCP listener; `nil` keeps it off.
    public var grpcListen: String? = nil

    public init() {}
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

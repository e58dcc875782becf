import Foundation
import Logging
import SagaLog
import SagaMessaging
import ServiceStorePostgres

/// One key an operator can set, declared once in `DaemonConfiguration.scopes`: its dotted
/// name (the part before the dot is the scope, the component that reads it), its documentation
/// (printed above the key in `config/sagad.yaml` and in the README's table, both checked by a
/// test), whether a SIGHUP applies it, how its text is parsed and checked, and the field of a
/// component's settings (inside `DaemonConfiguration`) it sets. That field's initial value —
/// the component's own default — is the key's default.
public struct ConfigurationKey: Sendable {
    /// Why a key's text is not acceptable, without naming the key (the loader adds it).
    struct InvalidValue: Error {
        var reason: String
    }

    /// The dotted name, as in the YAML file: `log.partitions`.
    public let name: String
    /// What the key means, one or more lines, without the `[reload]` marker.
    public let documentation: String
    /// Whether SIGHUP applies a changed value to the running daemon; others need a restart.
    public let reloadable: Bool
    /// Parses the key's text into its field, or says why the text is not acceptable.
    let assign: @Sendable (inout DaemonConfiguration, String) throws(InvalidValue) -> Void
    /// The field's value as text, as printed (secrets redacted).
    let render: @Sendable (DaemonConfiguration) -> String
    /// The field's value as text, secrets included: what tells whether it changed.
    let identity: @Sendable (DaemonConfiguration) -> String
    /// Copies the field from one configuration to another (a reload applying the key).
    let transfer: @Sendable (DaemonConfiguration, inout DaemonConfiguration) -> Void

    /// Declares a key that sets `field` from its text through `parse`; `describe` overrides
    /// how its value is printed (`--check-config`, reload logs), and `identity` how it is
    /// compared when it must differ from `describe` (a value with secrets redacted in print).
    init<Value: Sendable>(
        _ name: String, _ field: WritableKeyPath<DaemonConfiguration, Value> & Sendable, reload: Bool = false,
        _ documentation: String,
        parse: @escaping @Sendable (String) throws(InvalidValue) -> Value,
        describe: (@Sendable (DaemonConfiguration) -> String)? = nil,
        identity: (@Sendable (DaemonConfiguration) -> String)? = nil
    ) {
        self.name = name
        self.documentation = documentation
        self.reloadable = reload
        self.assign = { (configuration, text) throws(InvalidValue) in configuration[keyPath: field] = try parse(text) }
        let render = describe ?? { "\($0[keyPath: field])" }
        self.render = render
        self.identity = identity ?? render
        self.transfer = { source, target in target[keyPath: field] = source[keyPath: field] }
    }

    /// The component's scope (`log`), or `nil` for a top-level key such as `state_dir`.
    public var scope: String? { name.contains(".") ? String(name.prefix { $0 != "." }) : nil }

    /// The name inside its scope (`partitions`).
    public var field: String { String(name.split(separator: ".").last ?? "") }

    /// The environment variable that overrides the key: `SAGAD_` + the key in upper case with
    /// dots as underscores (`fulfillment.failure_rate` → `SAGAD_FULFILLMENT_FAILURE_RATE`).
    public var environmentName: String { "SAGAD_" + name.uppercased().replacingOccurrences(of: ".", with: "_") }

    /// The key's value in `configuration` as text, for `--check-config` and reload logs, with
    /// secrets (a password among `kafka.properties`) shown as `<redacted>`.
    public func describe(_ configuration: DaemonConfiguration) -> String { render(configuration) }

    /// Whether the key's value differs between the two configurations, secrets included.
    public func differs(between previous: DaemonConfiguration, and next: DaemonConfiguration) -> Bool {
        identity(previous) != identity(next)
    }
}

/// The parsers keys share; each says in its error what text it accepts.
enum Parse {
    typealias Invalid = ConfigurationKey.InvalidValue

    static func integer<Value: FixedWidthInteger & Sendable>(_ range: ClosedRange<Int64>) -> @Sendable (String) throws(Invalid) -> Value {
        { (text) throws(Invalid) in
            guard let value = Int64(text), range.contains(value) else {
                throw Invalid(reason: "'\(text)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return Value(value)
        }
    }

    static func number(_ range: ClosedRange<Double>) -> @Sendable (String) throws(Invalid) -> Double {
        { (text) throws(Invalid) in
            guard let value = Double(text), value.isFinite, range.contains(value) else {
                throw Invalid(reason: "'\(text)' must be a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
    }

    static func money(allowZero: Bool) -> @Sendable (String) throws(Invalid) -> Int64 {
        { (text) throws(Invalid) in
            do throws(Money.ParseError) {
                return try Money.parseCents(text, allowZero: allowZero)
            } catch {
                throw Invalid(reason: error.description)
            }
        }
    }

    static func text(max: Int) -> @Sendable (String) throws(Invalid) -> String {
        { (text) throws(Invalid) in
            guard !text.isEmpty, text.count <= max else { throw Invalid(reason: "must be 1 to \(max) characters") }
            return text
        }
    }

    static func boolean(_ text: String) throws(Invalid) -> Bool {
        guard let value = Bool(text.lowercased()) else { throw Invalid(reason: "'\(text)' must be true or false") }
        return value
    }

    /// An integer in `range`, or `nil` for an empty value.
    static func optionalInteger(_ range: ClosedRange<Int64>) -> @Sendable (String) throws(Invalid) -> Int? {
        { (text) throws(Invalid) in text.isEmpty ? nil : try integer(range)(text) as Int }
    }

    static func socketPath(_ text: String) throws(Invalid) -> String? {
        guard !text.isEmpty else { return nil }
        guard text.utf8.count < 108 else { throw Invalid(reason: "a Unix socket path must be shorter than 108 bytes") }
        return text
    }

    static func fileMode(_ text: String) throws(Invalid) -> UInt16 {
        guard (3...4).contains(text.count), let mode = UInt16(text, radix: 8), mode <= 0o777 else {
            throw Invalid(reason: "'\(text)' must be an octal file mode such as 0660")
        }
        return mode
    }

    static func listenAddress(_ text: String) throws(Invalid) -> String? {
        guard !text.isEmpty else { return nil }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              (1...65535).contains(port), colon != text.startIndex
        else { throw Invalid(reason: "'\(text)' must be host:port, for example 127.0.0.1:8080") }
        return text
    }

    /// A token file's path, read at once so that a missing, unreadable or empty file stops
    /// sagad (and `--check-config`) naming the key; empty text means no token.
    static func tokenFile(_ text: String) throws(Invalid) -> BearerToken? {
        guard !text.isEmpty else { return nil }
        return try BearerToken.read(text)
    }

    static func durability(_ text: String) throws(Invalid) -> DurabilityPolicy {
        guard let policy = DurabilityPolicy(parsing: text) else {
            throw Invalid(reason: "'\(text)' must be always, never or interval:<milliseconds>")
        }
        return policy
    }

    /// Whole hours as a `Duration`; 0 means "no limit" (`nil`).
    static func hoursOrForever(max: Double) -> @Sendable (String) throws(Invalid) -> Duration? {
        { (text) throws(Invalid) in
            let hours = try number(0...max)(text)
            return hours > 0 ? .seconds(hours * 3600) : nil
        }
    }

    static func describeHours(_ duration: Duration?) -> String {
        guard let duration else { return "0" }
        let hours = Double(duration.components.seconds) / 3600
        return hours.rounded() == hours ? "\(Int64(hours))" : "\(hours)"
    }

    /// A byte count; 0 means "no limit" (`nil`).
    static func limit(max: Int64) -> @Sendable (String) throws(Invalid) -> Int64? {
        { (text) throws(Invalid) in
            let value: Int64 = try integer(0...max)(text)
            return value > 0 ? value : nil
        }
    }

    /// Whole milliseconds as a `Duration`.
    static func milliseconds(min: Int64 = 0, max: Int64) -> @Sendable (String) throws(Invalid) -> Duration {
        { (text) throws(Invalid) in
            let value: Int64 = try integer(min...max)(text)
            return .milliseconds(value)
        }
    }

    static func describeMilliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)"
    }

    /// A deadline: a whole number with a unit (`500ms`, `90s`, `15m`, `2h`) from 100 ms to
    /// 30 days; `0` or `off` turn it off (`nil`).
    static func timeout(_ text: String) throws(Invalid) -> Duration? {
        let value = text.trimmingCharacters(in: .whitespaces).lowercased()
        if value == "off" { return nil }
        let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        guard let (unit, size) = units.first(where: { value.hasSuffix($0.0) && Int64(value.dropLast($0.0.count)) != nil }),
              let count = Int64(value.dropLast(unit.count)), count >= 0, count <= 30 * 86_400_000 / size,
              count == 0 || count * size >= 100
        else {
            if value == "0" { return nil }
            throw Invalid(reason: "'\(text)' must be a duration from 100ms to 720h, such as 90s, 15m or 2h (0 or off: never)")
        }
        return count == 0 ? nil : .milliseconds(count * size)
    }

    static func describeTimeout(_ timeout: Duration?) -> String { timeout?.deadlineText ?? "off" }

    static func logBackend(_ text: String) throws(Invalid) -> LogBackend {
        guard let backend = LogBackend(rawValue: text.lowercased()) else {
            throw Invalid(reason: "'\(text)' must be embedded or kafka")
        }
        return backend
    }

    static func stateBackend(_ text: String) throws(Invalid) -> StateBackend {
        let text = text.lowercased() == "postgresql" ? "postgres" : text.lowercased()
        guard let backend = StateBackend(rawValue: text) else { throw Invalid(reason: "'\(text)' must be sqlite or postgres") }
        return backend
    }

    /// A PostgreSQL URL, checked as the store reads it; empty means none (`nil`).
    static func postgresURL(_ text: String) throws(Invalid) -> String? {
        guard !text.isEmpty else { return nil }
        do {
            _ = try PostgresEndpoint(url: text)
        } catch {
            throw Invalid(reason: "\(error)")
        }
        return text
    }

    /// The URL with its password, if any, as `<redacted>`.
    static func describePostgresURL(_ url: String?) -> String {
        guard let url, let endpoint = try? PostgresEndpoint(url: url), endpoint.password != nil,
              let scheme = url.range(of: "://"), let at = url.range(of: "@", options: .backwards),
              let colon = url[scheme.upperBound..<at.lowerBound].firstIndex(of: ":")
        else { return url ?? "" }
        return String(url[..<url.index(after: colon)]) + "<redacted>" + String(url[at.lowerBound...])
    }

    /// `host:port` entries separated by commas; empty means none (`nil`).
    static func bootstrapServers(_ text: String) throws(Invalid) -> String? {
        guard !text.isEmpty else { return nil }
        let servers = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        for server in servers {
            guard let colon = server.lastIndex(of: ":"), colon != server.startIndex,
                  let port = Int(server[server.index(after: colon)...]), (1...65535).contains(port),
                  !server[..<colon].contains(where: { $0 == " " || $0 == "/" })
            else { throw Invalid(reason: "'\(text)' must be host:port[,host:port...], for example 10.0.0.5:9092,10.0.0.6:9092") }
        }
        return servers.joined(separator: ",")
    }

    static func kafkaNamespace(_ text: String) throws(Invalid) -> String {
        let allowed = text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
        }
        guard allowed, text.count <= 100 else {
            throw Invalid(reason: "'\(text)' must be at most 100 ASCII letters, digits, '.', '_' or '-'")
        }
        return text
    }

    /// `key=value` pairs separated by commas; empty means none.
    static func kafkaProperties(_ text: String) throws(Invalid) -> [String: String] {
        var properties: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw Invalid(reason: "'\(pair)' must be key=value (pairs separated by commas)")
            }
            guard properties.updateValue(parts[1], forKey: parts[0]) == nil else {
                throw Invalid(reason: "'\(parts[0])' is set twice")
            }
        }
        return properties
    }

    /// The properties as `key=value,...` in key order; with `redacting`, the value of every
    /// property that holds a secret reads `<redacted>`.
    static func describeProperties(_ properties: [String: String], redacting: Bool = true) -> String {
        properties.sorted { $0.key < $1.key }.map { key, value in
            "\(key)=\(redacting && isSecretProperty(key) ? "<redacted>" : value)"
        }.joined(separator: ",")
    }

    /// Whether a librdkafka property holds a secret: a password, a client secret, a private key
    /// or a SASL/OAUTHBEARER configuration (which may carry credentials).
    static func isSecretProperty(_ key: String) -> Bool {
        let key = key.lowercased()
        return ["password", "secret", "ssl.key.pem", "ssl_key", "oauthbearer.config", "sasl.jaas"].contains { key.contains($0) }
    }

    static func logLevel(_ text: String) throws(Invalid) -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw Invalid(reason: "'\(text)' must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return level
    }
}

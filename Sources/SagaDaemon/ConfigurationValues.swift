import Foundation
import Logging
import SagaLog
import SagaMessaging

extension DaemonConfiguration {
    /// Sets `key` from its text form, or says why the text is not acceptable.
    mutating func set(_ key: String, to text: String) throws(ConfigurationError) {
        func fail(_ reason: String) -> ConfigurationError { ConfigurationError(key: key, reason: reason) }
        func integer(_ range: ClosedRange<Int64>) throws(ConfigurationError) -> Int64 {
            guard let value = Int64(text), range.contains(value) else {
                throw fail("'\(text)' must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
        func number(_ range: ClosedRange<Double>) throws(ConfigurationError) -> Double {
            guard let value = Double(text), value.isFinite, range.contains(value) else {
                throw fail("'\(text)' must be a number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
        func money(allowZero: Bool) throws(ConfigurationError) -> Int64 {
            do { return try Money.parseCents(text, allowZero: allowZero) } catch { throw fail(error.description) }
        }
        func nonEmpty(max: Int) throws(ConfigurationError) -> String {
            guard !text.isEmpty, text.count <= max else { throw fail("must be 1 to \(max) characters") }
            return text
        }
        switch key {
        case "state_dir": stateDirectory = try nonEmpty(max: 4096)
        case "control.socket":
            guard !text.isEmpty else { controlSocket = nil; return }
            guard text.utf8.count < 108 else { throw fail("a Unix socket path must be shorter than 108 bytes") }
            controlSocket = text
        case "control.socket_mode":
            guard (3...4).contains(text.count), let mode = UInt16(text, radix: 8), mode <= 0o777 else {
                throw fail("'\(text)' must be an octal file mode such as 0660")
            }
            controlSocketMode = mode
        case "http.listen":
            guard !text.isEmpty else { httpListen = nil; return }
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                  (1...65535).contains(port), colon != text.startIndex
            else { throw fail("'\(text)' must be host:port, for example 127.0.0.1:8080") }
            httpListen = text
        case "http.allow_remote":
            guard let value = Bool(text.lowercased()) else { throw fail("'\(text)' must be true or false") }
            httpAllowRemote = value
        case "log.partitions": logPartitions = Int(try integer(1...256))
        case "log.segment_bytes": logSegmentBytes = try integer(65_536...(1 << 31))
        case "log.fsync":
            guard let policy = DurabilityPolicy(parsing: text) else {
                throw fail("'\(text)' must be always, never or interval:<milliseconds>")
            }
            logFsync = policy
        case "log.retention_hours": logRetentionHours = try number(0...1_000_000)
        case "log.retention_bytes": logRetentionBytes = try integer(0...(1 << 50))
        case "checkout.default_account": checkoutDefaultAccount = try nonEmpty(max: 128)
        case "checkout.default_balance": checkoutDefaultBalanceCents = try money(allowZero: true)
        case "order.random_amount_min": orderRandomAmountMinCents = try money(allowZero: false)
        case "order.random_amount_max": orderRandomAmountMaxCents = try money(allowZero: false)
        case "order.max_in_flight": orderMaxInFlight = Int(try integer(1...10_000_000))
        case "fulfillment.work_ms": fulfillmentWorkMilliseconds = Int(try integer(0...3_600_000))
        case "fulfillment.failure_rate": fulfillmentFailureRate = try number(0...1)
        case "fulfillment.concurrency": fulfillmentConcurrency = Int(try integer(1...100_000))
        case "logging.level":
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw fail("'\(text)' must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            loggingLevel = level
        default:
            throw ConfigurationError(key: key, reason: "unknown key; known keys: \(Self.keys.joined(separator: ", "))")
        }
    }

    /// Checks relations between keys once all are set.
    func validateTogether() throws(ConfigurationError) {
        if orderRandomAmountMinCents > orderRandomAmountMaxCents {
            throw ConfigurationError(key: "order.random_amount_min", reason: "is larger than order.random_amount_max")
        }
        if let listen = httpListen, !httpAllowRemote {
            let host = String(listen[..<listen.lastIndex(of: ":")!]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            if !["127.0.0.1", "localhost", "::1"].contains(host) {
                throw ConfigurationError(
                    key: "http.listen", reason: "'\(listen)' is not a loopback address; set http.allow_remote: true to allow it")
            }
        }
    }
}

import PostgresNIO

/// Where a PostgreSQL server is and how to log in, read from `postgres.url`
/// (`postgres://user:password@host:port/database?sslmode=disable|prefer|require`).
///
/// Parsed here rather than by a URL type so that every mistake gets a message naming the part
/// that is wrong, and so that percent-encoded user names and passwords are decoded.
public struct PostgresEndpoint: Sendable, Equatable {
    /// Whether the connection uses TLS, as libpq's `sslmode` says it.
    public enum TLSMode: String, Sendable, Equatable {
        /// Plain TCP (loopback test servers).
        case disable
        /// TLS when the server offers it (libpq's default).
        case prefer
        /// TLS or no connection.
        case require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(host: String, port: Int = 5432, username: String, password: String?, database: String, tls: TLSMode = .prefer) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Reads `url`; throws ``PostgresStoreError/invalidURL(_:reason:)`` naming what is wrong.
    public init(url: String) throws(PostgresStoreError) {
        func invalid(_ reason: String) -> PostgresStoreError { .invalidURL(url, reason: reason) }
        let schemes = ["postgres://", "postgresql://"]
        guard let scheme = schemes.first(where: { url.hasPrefix($0) }) else {
            throw invalid("the scheme must be postgres:// or postgresql://")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let slash = rest.firstIndex(of: "/") else { throw invalid("no database name after the host (…/database)") }
        let authority = rest[..<slash]
        guard let database = Self.decoded(rest[rest.index(after: slash)...]), !database.isEmpty, !database.contains("/") else {
            throw invalid("no database name after the host (…/database)")
        }
        guard let at = authority.lastIndex(of: "@") else { throw invalid("no user name (user@host)") }
        let userInfo = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]
        let userPart = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let username = Self.decoded(userPart[0]), !username.isEmpty else { throw invalid("no user name (user@host)") }
        var password: String?
        if userPart.count == 2 {
            guard let decoded = Self.decoded(userPart[1]) else { throw invalid("the password is not valid percent-encoding") }
            password = decoded
        }
        let (host, port) = try Self.hostAndPort(hostPort, invalid: invalid)
        var tls = TLSMode.prefer
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0] == "sslmode" else { throw invalid("unknown parameter \(pair) (only sslmode is read)") }
            guard let mode = TLSMode(rawValue: String(parts[1])) else {
                throw invalid("sslmode must be disable, prefer or require, not \(parts[1])")
            }
            tls = mode
        }
        self.init(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// The configuration of a pooled ``PostgresClient`` for this endpoint.
    public func clientConfiguration() -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = switch self.tls {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
        return PostgresClient.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// The configuration of a single connection of its own (the relay lock, a listener).
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS = switch self.tls {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    private static func hostAndPort(
        _ text: Substring, invalid: (String) -> PostgresStoreError
    ) throws(PostgresStoreError) -> (String, Int) {
        var host = text
        var portText: Substring?
        if text.hasPrefix("[") {
            // An IPv6 literal: [::1]:5432.
            guard let close = text.firstIndex(of: "]") else { throw invalid("an IPv6 host must end with ]") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("expected :port after the IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw invalid("no host name") }
        guard let portText else { return (String(host), 5432) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw invalid("the port must be a number from 1 to 65535, not \"\(portText)\"")
        }
        return (String(host), port)
    }

    /// `text` with its %XX escapes decoded; nil when an escape is malformed or not UTF-8.
    private static func decoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%") {
                let high = utf8.index(after: index)
                guard high < utf8.endIndex else { return nil }
                let low = utf8.index(after: high)
                guard low < utf8.endIndex, let value = UInt8(String(decoding: [utf8[high], utf8[low]], as: UTF8.self), radix: 16) else {
                    return nil
                }
                bytes.append(value)
                index = utf8.index(after: low)
            } else {
                bytes.append(byte)
                index = utf8.index(after: index)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}

import Foundation

/// A minimal HTTP/1.1 client over a Unix socket (one request per connection), so system tests
/// talk to the real daemon the way curl --unix-socket does, with nothing in between.
struct HTTPReply: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

struct UnixHTTPError: Error, CustomStringConvertible {
    var description: String
}

enum UnixHTTPClient {
    static func request(
        socket path: String, _ method: String, _ target: String, body: Data? = nil,
        headers: [String: String] = [:], timeout: TimeInterval = 30
    ) throws -> HTTPReply {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw UnixHTTPError(description: "socket: errno \(errno)") }
        defer { close(fd) }
        setTimeouts(fd, timeout)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in path.utf8.enumerated() { raw[i] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw UnixHTTPError(description: "connect \(path): errno \(errno)") }
        return try exchange(fd, method, target, body: body, headers: headers)
    }

    /// The same over TCP to 127.0.0.1:`port` (the optional loopback listener).
    static func request(
        port: Int, _ method: String, _ target: String, body: Data? = nil,
        headers: [String: String] = [:], timeout: TimeInterval = 30
    ) throws -> HTTPReply {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw UnixHTTPError(description: "socket: errno \(errno)") }
        defer { close(fd) }
        setTimeouts(fd, timeout)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw UnixHTTPError(description: "connect 127.0.0.1:\(port): errno \(errno)") }
        return try exchange(fd, method, target, body: body, headers: headers)
    }

    private static func setTimeouts(_ fd: Int32, _ timeout: TimeInterval) {
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        // Bounds `connect` too: on a Unix socket it waits while the listener's backlog is full.
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Sends one request on the connected socket `fd` and reads the answer until the server closes.
    static func exchange(
        _ fd: Int32, _ method: String, _ target: String, body: Data?, headers: [String: String]
    ) throws -> HTTPReply {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: sagad\r\nConnection: close\r\n"
        var allHeaders = headers
        if let body {
            allHeaders["Content-Length"] = "\(body.count)"
            if allHeaders["Content-Type"] == nil { allHeaders["Content-Type"] = "application/json" }
        }
        for (name, value) in allHeaders { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        var request = Data(head.utf8)
        if let body { request.append(body) }
        try request.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    // The server may answer (413) and close before reading the whole body.
                    if errno == EPIPE || errno == ECONNRESET { return }
                    throw UnixHTTPError(description: "send: errno \(errno)")
                }
                sent += n
            }
        }
        var response = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == ECONNRESET && !response.isEmpty { break }
                throw UnixHTTPError(description: "recv: errno \(errno) after \(response.count) bytes")
            }
            if n == 0 { break }
            response.append(contentsOf: buffer[0..<n])
        }
        return try parse(response)
    }

    static func json(
        socket: String, _ method: String, _ target: String, _ object: [String: Any]? = nil, headers: [String: String] = [:]
    ) throws -> HTTPReply {
        let body = try object.map { try JSONSerialization.data(withJSONObject: $0) }
        return try request(socket: socket, method, target, body: body, headers: headers)
    }

    private static func parse(_ data: Data) throws -> HTTPReply {
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else {
            throw UnixHTTPError(description: "no HTTP header in \(data.count) bytes")
        }
        let lines = String(decoding: data[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw UnixHTTPError(description: "bad status line \(lines[0])")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(data[split.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return HTTPReply(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ data: Data) -> Data {
        var output = Data()
        var rest = data[...]
        while let lineEnd = rest.range(of: Data("\r\n".utf8)) {
            let size = Int(String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self), radix: 16) ?? 0
            if size == 0 { break }
            let start = lineEnd.upperBound
            output.append(rest[start..<(start + size)])
            rest = rest[(start + size + 2)...]
        }
        return output
    }
}

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tiny HTTP/1.1 server on a Unix socket for tests: one background thread accepts each
/// connection, reads one request, writes the handler's canned response and closes.
final class FakeSagad: @unchecked Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [String: String]
        var body: String

        var path: String { String(uri.prefix { $0 != "?" }) }
    }

    struct Response: Sendable {
        var status: Int
        var headers: [String: String] = [:]
        var body: String = ""

        static func json(_ status: Int, _ body: String) -> Response {
            Response(status: status, headers: ["Content-Type": "application/json"], body: body)
        }

        static func problem(_ status: Int, title: String, detail: String) -> Response {
            let body = #"{"type":"https://sagad.dev/problems/test","title":"\#(title)","status":\#(status),"detail":"\#(detail)"}"#
            return Response(status: status, headers: ["Content-Type": "application/problem+json"], body: body)
        }
    }

    enum SetupError: Error {
        case socketCall(String, Int32)
    }

    let socketPath: String
    private let listener: Int32
    private let handler: @Sendable (Request) -> Response
    private let lock = NSLock()
    private var received: [Request] = []
    private let finished = DispatchSemaphore(value: 0)

    /// Starts listening on a fresh socket under /tmp.
    init(handler: @escaping @Sendable (Request) -> Response) throws {
        self.handler = handler
        socketPath = "/tmp/fake-sagad-\(UUID().uuidString.prefix(8)).sock"
        listener = try TestSockets.boundUnixSocket(at: socketPath)
        guard listen(listener, 64) == 0 else { throw SetupError.socketCall("listen", errno) }
        let thread = Thread { [self] in
            acceptLoop()
            finished.signal()
        }
        thread.start()
    }

    /// Every request served so far, in order.
    var requests: [Request] { lock.withLock { received } }

    /// Stops accepting, waits for the serving thread and removes the socket file.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        finished.wait()
        close(listener)
        unlink(socketPath)
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR { continue }
                return
            }
            serve(connection)
            close(connection)
        }
    }

    private func serve(_ connection: Int32) {
        guard let request = readRequest(connection) else { return }
        lock.withLock { received.append(request) }
        let response = handler(request)
        var head = "HTTP/1.1 \(response.status) Status\r\n"
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(response.body.utf8.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array((head + response.body).utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
            guard result > 0 else { return }
            written += result
        }
        shutdown(connection, Int32(SHUT_WR))
    }

    private func readRequest(_ connection: Int32) -> Request? {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let separator = Array("\r\n\r\n".utf8)
        var headerEnd: Int?
        var contentLength = 0
        while true {
            if headerEnd == nil, let end = Self.find(separator, in: data) {
                headerEnd = end
                let head = String(decoding: data[..<end], as: UTF8.self)
                contentLength = Self.headers(of: head)["content-length"].flatMap(Int.init) ?? 0
            }
            if let headerEnd, data.count >= headerEnd + 4 + contentLength { break }
            let count = read(connection, &buffer, buffer.count)
            guard count > 0 else { return nil }
            data += buffer[0..<count]
        }
        let end = headerEnd!
        let head = String(decoding: data[..<end], as: UTF8.self)
        let requestLine = head.components(separatedBy: "\r\n")[0].split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        let body = String(decoding: data[(end + 4)..<(end + 4 + contentLength)], as: UTF8.self)
        return Request(method: String(requestLine[0]), uri: String(requestLine[1]),
                       headers: Self.headers(of: head), body: body)
    }

    private static func headers(of head: String) -> [String: String] {
        var headers: [String: String] = [:]
        for line in head.components(separatedBy: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return headers
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where Array(haystack[start..<(start + needle.count)]) == needle {
            return start
        }
        return nil
    }
}

/// Unix-socket helpers for tests.
enum TestSockets {
    /// A stream socket bound to `path` (not listening): connecting to it is refused.
    static func boundUnixSocket(at path: String) throws -> Int32 {
        unlink(path)
        #if canImport(Glibc)
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw FakeSagad.SetupError.socketCall("socket", errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: pathBytes)
            buffer[pathBytes.count] = 0
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            close(descriptor)
            throw FakeSagad.SetupError.socketCall("bind", errno)
        }
        return descriptor
    }
}

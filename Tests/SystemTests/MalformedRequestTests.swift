import Foundation
import Testing

/// Requests NIO's HTTP/1 parser refuses before the router sees them — a 1 MB header, a method
/// that is not HTTP, a broken request line or Content-Length — are answered with a problem body
/// and the right status, and the daemon serves the next request.
@Suite(.blockingCalls) struct MalformedRequestTests {
    /// Sends `raw` on a fresh connection and returns the answer, split at the blank line.
    func answer(to raw: String, on socket: String) throws -> (head: String, body: [String: Any], closed: Bool) {
        let connection = try RawConnection(socket: socket)
        connection.send(raw)
        let reply = connection.read(for: .seconds(10))
        let parts = reply.text.components(separatedBy: "\r\n\r\n")
        let body = parts.count > 1 ? Data(parts[1...].joined(separator: "\r\n\r\n").utf8) : Data()
        return (parts[0], (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:], reply.closed)
    }

    func expectProblem(
        _ raw: String, _ status: Int, _ type: String, on daemon: DaemonProcess, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let reply = try answer(to: raw, on: daemon.socket)
        #expect(reply.head.hasPrefix("HTTP/1.1 \(status) "), "\(reply.head)", sourceLocation: sourceLocation)
        #expect(reply.head.lowercased().contains("content-type: application/problem+json"), "\(reply.head)",
                sourceLocation: sourceLocation)
        #expect(reply.body["status"] as? Int == status, "\(reply.body)", sourceLocation: sourceLocation)
        #expect(reply.body["type"] as? String == "https://sagad.dev/problems/\(type)", "\(reply.body)", sourceLocation: sourceLocation)
        #expect(reply.body["title"] is String && !(reply.body["detail"] as? String ?? "").isEmpty, sourceLocation: sourceLocation)
        #expect(reply.closed, "the connection should be closed after a parse error", sourceLocation: sourceLocation)
        #expect(try daemon.call("GET", "/healthz").status == 200, "the next request", sourceLocation: sourceLocation)
    }

    @Test func requestsTheParserRefusesGetProblemBodies() async throws {
        let daemon = DaemonProcess()
        defer { daemon.cleanUp() }
        try await daemon.start()

        let megabyte = String(repeating: "a", count: 1 << 20)
        try expectProblem("GET /healthz HTTP/1.1\r\nHost: sagad\r\nX-Big: \(megabyte)\r\n\r\n",
                          431, "request-header-fields-too-large", on: daemon)
        let manyFields = (0..<3000).map { "X-F\($0): v\r\n" }.joined()
        try expectProblem("GET /healthz HTTP/1.1\r\nHost: sagad\r\n\(manyFields)\r\n", 431, "request-header-fields-too-large", on: daemon)
        try expectProblem("FROB /v1/orders HTTP/1.1\r\nHost: sagad\r\n\r\n", 400, "malformed-request", on: daemon)
        try expectProblem("GET /healthz HTTX/1.1\r\nHost: sagad\r\n\r\n", 400, "malformed-request", on: daemon)
        try expectProblem("POST /v1/orders HTTP/1.1\r\nHost: sagad\r\nContent-Length: ten\r\n\r\n{}", 400, "malformed-request", on: daemon)
        try expectProblem("POST /v1/orders HTTP/1.1\r\nHost: sagad\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
                          400, "malformed-request", on: daemon)

        // Behind a request that was fine, on the same connection: that one's answer is left as
        // it is, the broken one after it gets the problem.
        let raw = try RawConnection(socket: daemon.socket)
        raw.send("GET /healthz HTTP/1.1\r\nHost: sagad\r\n\r\nFROB / HTTP/1.1\r\n\r\n")
        let both = raw.read(for: .seconds(10)).text
        #expect(both.hasPrefix("HTTP/1.1 200 "), "\(both)")
        #expect(both.contains("\"status\":\"ok\"") || both.contains("\"status\" : \"ok\""), "the first answer is /healthz's own: \(both)")
        #expect(both.components(separatedBy: "HTTP/1.1 400 ").count == 2 && both.contains("malformed-request"), "\(both)")

        #expect(try daemon.call("GET", "/healthz").status == 200)
        #expect(try await daemon.stop() == 0)
    }
}

import Foundation
import Testing

/// `http.token_file` guards the loopback TCP listener: no token or a wrong one gets a 401
/// problem, the right one is served, and the Unix socket asks for none.
@Suite(.blockingCalls) struct TCPTokenTests {
    static let secret = "tcp-token-7f3a9c2e41b8d605"

    /// A file holding `secret` (mode 0600) in a fresh directory, which the caller removes.
    static func writeTokenFile() throws -> (directory: String, file: String) {
        let directory = NSTemporaryDirectory() + "sagad-token-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let tokenFile = directory + "/token"
        try (secret + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tokenFile)
        return (directory, tokenFile)
    }

    @Test func theTCPListenerServesOnlyRequestsWithTheToken() async throws {
        let (directory, tokenFile) = try Self.writeTokenFile()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = LoopbackHTTPClient.freePort()
        let daemon = DaemonProcess(settings: ["http.listen": "127.0.0.1:\(port)", "http.token_file": tokenFile])
        defer { daemon.cleanUp() }
        try await daemon.start()

        for headers in [[:], ["Authorization": "Bearer wrong-token-0000000000"], ["Authorization": "Basic \(Self.secret)"]] {
            for (method, target) in [("GET", "/healthz"), ("GET", "/v1/orders"), ("POST", "/v1/orders")] {
                let reply = try UnixHTTPClient.request(port: port, method, target, body: method == "POST" ? Data("{}".utf8) : nil,
                                                       headers: headers)
                #expect(reply.status == 401, "\(method) \(target) with \(headers): \(reply.status) \(reply.text)")
                #expect(reply.header("content-type") == "application/problem+json")
                #expect(reply.header("www-authenticate")?.hasPrefix("Bearer") == true)
                #expect(reply.json["type"] as? String == "https://sagad.dev/problems/unauthorized")
                #expect(reply.json["status"] as? Int == 401)
            }
        }
        #expect(try daemon.allOrders().isEmpty, "a refused POST must place no order")

        let authorized = ["Authorization": "Bearer \(Self.secret)"]
        #expect(try UnixHTTPClient.request(port: port, "GET", "/healthz", headers: authorized).status == 200)
        let placed = try UnixHTTPClient.request(port: port, "POST", "/v1/orders", body: Data(#"{"amount": "1.00"}"#.utf8),
                                                headers: authorized)
        #expect(placed.status == 201, "\(placed.text)")
        // The Unix socket is guarded by its file mode, not the token.
        #expect(try daemon.call("GET", "/healthz").status == 200)
        #expect(try daemon.allOrders().count == 1)
        #expect(!daemon.log.contains("asks for no token"))
        #expect(!daemon.log.contains(Self.secret), "the token must never be logged")

        let check = try await runSagad(["--check-config"], environment: daemon.environment)
        #expect(check.status == 0 && checkedConfiguration(check.stdout)["http.token_file"] == tokenFile, "\(check.stderr)")
        #expect(!check.stdout.contains(Self.secret))
        #expect(try await daemon.stop() == 0)
    }

    @Test func withoutATokenTheListenerWarnsAndAMissingFileStopsSagad() async throws {
        let port = LoopbackHTTPClient.freePort()
        let open = DaemonProcess(settings: ["http.listen": "127.0.0.1:\(port)"])
        defer { open.cleanUp() }
        try await open.start()
        #expect(try UnixHTTPClient.request(port: port, "GET", "/healthz").status == 200)
        #expect(open.log.contains("asks for no token"), "\(open.log)")
        #expect(try await open.stop() == 0)

        let missing = NSTemporaryDirectory() + "no-such-token-\(UUID().uuidString.prefix(6))"
        let check = try await runSagad(["--check-config"], environment: ["SAGAD_HTTP_TOKEN_FILE": missing])
        #expect(check.status == 78)
        #expect(check.stderr.contains("http.token_file") && check.stderr.contains(missing), "\(check.stderr)")
        let refused = DaemonProcess(settings: ["http.listen": "127.0.0.1:\(port)", "http.token_file": missing])
        defer { refused.cleanUp() }
        try refused.launch()
        #expect(try await refused.waitForExit() == 78)
        #expect(refused.log.contains("http.token_file"))
    }
}

import Foundation
import Testing

/// Path parameters are percent-decoded: an account named `a b/c`, created through the body,
/// is found and credited at `/v1/accounts/a%20b%2Fc`, as any RFC 3986 client encodes it.
@Suite(.blockingCalls) struct PathParameterTests {
    @Test func percentEncodedIDsNameWhatTheBodyNamed() async throws {
        let daemon = DaemonProcess()
        defer { daemon.cleanUp() }
        try await daemon.start()
        #expect(try daemon.call("POST", "/v1/accounts", ["id": "a b/c", "balance": "5.00"]).status == 201)
        let found = try daemon.call("GET", "/v1/accounts/a%20b%2Fc")
        #expect(found.status == 200, "\(found.text)")
        #expect(found.json["id"] as? String == "a b/c")
        let credited = try daemon.call("POST", "/v1/accounts/a%20b%2Fc/deposit", ["amount": "1.50"])
        #expect(credited.json["balance"] as? String == "6.50", "\(credited.text)")
        let broken = try daemon.call("GET", "/v1/accounts/a%zz")
        #expect(broken.status == 400 && broken.text.contains("percent-encoding"), "\(broken.text)")
        #expect(try await daemon.stop() == 0)
    }
}

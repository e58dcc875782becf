import Foundation
import SagaAPI
import Testing
@testable import SagaControl

@Suite("Daemon errors")
struct ProblemMessageTests {
    private func response(_ status: Int, _ body: String) -> ControlResponse {
        ControlResponse(status: status, headers: [:], body: Data(body.utf8))
    }

    @Test("a problem body becomes 'sagactl: <title>: <detail>' and exit code 1")
    func problemBody() {
        let body = """
            {"type":"https://sagad.dev/problems/order-past-pivot","title":"Order cannot be canceled",
             "status":409,"detail":"order ord_7 is processing; payment was taken","instance":"/v1/orders/ord_7/cancel"}
            """
        let error = response(409, body).rejection()
        #expect(error == .daemonRejected(Problem(
            type: "https://sagad.dev/problems/order-past-pivot", title: "Order cannot be canceled", status: 409,
            detail: "order ord_7 is processing; payment was taken", instance: "/v1/orders/ord_7/cancel")))
        #expect(error.message == "sagactl: Order cannot be canceled: order ord_7 is processing; payment was taken")
        #expect(error.exitCode == 1)
    }

    @Test("a problem without detail prints only its title")
    func problemWithoutDetail() {
        let error = response(404, #"{"type":"about:blank","title":"Not Found","status":404}"#).rejection()
        #expect(error.message == "sagactl: Not Found")
    }

    @Test("a non-problem error body prints the status and the body")
    func plainBody() {
        let error = response(500, "upstream exploded\n").rejection()
        #expect(error == .unexpectedResponse(status: 500, body: "upstream exploded\n"))
        #expect(error.message == "sagactl: sagad answered 500: upstream exploded")
        #expect(response(502, "").rejection().message == "sagactl: sagad answered 502")
    }

    @Test("requireSuccess passes 2xx through and throws the rejection otherwise")
    func requireSuccess() throws {
        let ok = try response(201, "{}").requireSuccess()
        #expect(ok.status == 201)
        #expect(throws: ControlError.unexpectedResponse(status: 400, body: "bad")) {
            try response(400, "bad").requireSuccess()
        }
    }

    @Test("Retry-After seconds are read from the lowercased header")
    func retryAfter() {
        let overloaded = ControlResponse(status: 503, headers: ["retry-after": " 2 "], body: Data())
        #expect(overloaded.retryAfterSeconds == 2)
        #expect(response(503, "").retryAfterSeconds == nil)
    }

    @Test("the request line percent-encodes path segments and query values")
    func uriEncoding() throws {
        let request = try ControlRequest(.getOrder, "a/b c", query: [("after", "x&y=z"), ("status", nil), ("limit", "5")])
        #expect(request.uri == "/v1/orders/a%2Fb%20c?after=x%26y%3Dz&limit=5")
    }
}

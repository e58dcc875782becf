import Testing
@testable import SagaMessaging

/// `traceparent` as the W3C Trace Context spec (section 3.2, 4.3) has a receiver parse it: what
/// is valid is kept, anything else gives nil (the caller starts a new trace).
@Suite struct TraceContextTests {
    static let valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test func aValidHeaderIsKeptAndWrittenBackAsItCame() throws {
        let trace = try #require(TraceContext(header: Self.valid))
        #expect(trace.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(trace.spanID == "00f067aa0ba902b7")
        #expect(trace.flags == 1)
        #expect(trace.header == Self.valid)
        #expect(TraceContext(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")?.flags == 0)
    }

    @Test(arguments: [
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",  // short
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",  // version 00 is exactly 55
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero parent id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",  // not hex
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",  // wrong separators
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",  // later version, no dash after flags
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-zz",  // flags not hex
    ])
    func anInvalidHeaderIsRefused(_ header: String) {
        #expect(TraceContext(header: header) == nil)
    }

    @Test func aLaterVersionIsReadAsVersion00AndSentOnAs00() throws {
        let trace = try #require(TraceContext(header: "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-more"))
        #expect(trace.flags == 1, "only the sampled bit is kept")
        #expect(trace.header == Self.valid)
    }

    @Test func childrenKeepTheTraceWithSpansOfTheirOwnAndNewTracesDiffer() throws {
        let trace = try #require(TraceContext(header: Self.valid))
        let children = (0..<100).map { _ in trace.child() }
        #expect(children.allSatisfy { $0.traceID == trace.traceID && $0.flags == trace.flags })
        #expect(Set(children.map(\.spanID) + [trace.spanID]).count == 101)
        #expect(children.allSatisfy { TraceContext(header: $0.header) == $0 })
        let fresh = (0..<100).map { _ in TraceContext.newTrace() }
        #expect(Set(fresh.map(\.traceID)).count == 100)
        #expect(fresh.allSatisfy { TraceContext(header: $0.header) == $0 && $0.flags == 1 })
    }
}

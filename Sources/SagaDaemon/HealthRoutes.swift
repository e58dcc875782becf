import Hummingbird
import NIOCore
import SagaAPI

/// `/healthz`, `/readyz`, `/metrics` and `/openapi.yaml`.
struct HealthRoutes: Sendable {
    typealias Context = ControlRouter.Context
    let daemon: DaemonContext

    @Sendable func liveness(_ request: Request, _ context: Context) async throws -> Response {
        let checks = await daemon.healthChecks()
        let healthy = checks.values.allSatisfy { $0 == "ok" }
        let health = Health(status: healthy ? "ok" : "failing", checks: checks, logBackend: daemon.runtime.logBackend.rawValue,
                            stateBackend: daemon.runtime.stateBackend.rawValue)
        return try ControlRouter.json(health,
                                      status: healthy ? .ok : .serviceUnavailable)
    }

    @Sendable func readiness(_ request: Request, _ context: Context) async throws -> Response {
        let phase = daemon.phase
        let ready = phase == .ready || phase == .reloading
        return try ControlRouter.json(Health(status: ready ? "ok" : phase.rawValue, checks: ["phase": phase.rawValue]),
                                      status: ready ? .ok : .serviceUnavailable)
    }

    @Sendable func metrics(_ request: Request, _ context: Context) async throws -> Response {
        await MetricsExporter.refresh(daemon)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(string: MetricsExporter.exposition(daemon.metrics))))
    }

    /// The spec itself: the bytes of openapi.yaml embedded in SagaAPI.
    @Sendable func document(_ request: Request, _ context: Context) async throws -> Response {
        Response(status: .ok, headers: [.contentType: APIDocument.contentType],
                 body: .init(byteBuffer: ByteBuffer(bytes: APIDocument.yaml)))
    }
}

import Hummingbird
import NIOCore

/// `/healthz`, `/readyz`, `/metrics` and `/openapi.yaml`.
enum HealthRoutes {
    static func register(on table: RouteTable, _ daemon: DaemonContext) {
        table.add(.get, "/healthz") { _, _ in
            let checks = await daemon.healthChecks()
            let healthy = checks.values.allSatisfy { $0 == "ok" }
            return try ControlRouter.json(HealthJSON(status: healthy ? "ok" : "failing", checks: checks),
                                          status: healthy ? .ok : .serviceUnavailable)
        }

        table.add(.get, "/readyz") { _, _ in
            let phase = daemon.phase
            let ready = phase == .ready || phase == .reloading
            return try ControlRouter.json(HealthJSON(status: ready ? "ok" : phase.rawValue, checks: ["phase": phase.rawValue]),
                                          status: ready ? .ok : .serviceUnavailable)
        }

        table.add(.get, "/metrics") { _, _ in
            await MetricsExporter.refresh(daemon)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: MetricsExporter.exposition(daemon.metrics))))
        }

        table.add(.get, "/openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml"],
                     body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
    }
}

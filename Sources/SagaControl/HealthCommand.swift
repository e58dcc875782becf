import ArgumentParser
import Foundation
import SagaAPI

/// `sagactl health`: GET /healthz and /readyz; exits 1 unless both say ok.
struct HealthCommand: DaemonCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Check that sagad is alive and ready (exit 0), or not (exit 1).",
        discussion: "Liveness means every service actor and the log answered; readiness that recovery is done."
    )

    @OptionGroup var global: GlobalOptions

    func perform(with session: DaemonSession) async throws {
        var failing: [String] = []
        var table = TextTable([.init("PROBE"), .init("STATUS"), .init("CHECKS")])
        var bodies: [String: Any] = [:]
        for (probe, operation) in [("healthz", APIOperation.health), ("readyz", .ready)] {
            let request = try ControlRequest(operation)
            let response = try await session.client.send(request)
            guard let report = try? response.decode(Health.self, path: request.path) else {
                throw response.isSuccess
                    ? ControlError.undecodableResponse(path: request.path, reason: "not a health report")
                    : response.rejection()
            }
            bodies[probe] = (try? JSONSerialization.jsonObject(with: response.body)) ?? [:]
            let checks = report.checks.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            table.append([probe, report.status, checks.joined(separator: " ")])
            if !response.isSuccess || report.status != "ok" { failing.append("\(probe) \(report.status)") }
        }
        if session.wantsJSON {
            let data = try JSONSerialization.data(withJSONObject: bodies, options: [.prettyPrinted, .sortedKeys])
            session.console.printLine(String(decoding: data, as: UTF8.self))
        } else {
            session.printTable(table)
        }
        if !failing.isEmpty { throw ControlError.unhealthy(summary: failing.joined(separator: ", ")) }
    }
}

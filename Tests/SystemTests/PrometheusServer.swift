import Foundation

/// Debian's real `prometheus` on a loopback port with its storage in a temporary directory,
/// started from the repository's config/prometheus files with a 1 s scrape and evaluation
/// interval and sagad's listener as the target.
final class PrometheusServer: @unchecked Sendable {
    static let binary = "/usr/bin/prometheus"
    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binary) }
    static let configDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("config/prometheus").path

    let port = LoopbackHTTPClient.freePort()
    let directory = NSTemporaryDirectory() + "prometheus-\(UUID().uuidString.prefix(8))"
    private var child: SpawnedChild?

    var logPath: String { directory + "/prometheus.log" }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Writes the config (the shipped one, with the test's target and intervals) and the
    /// rules beside it, starts Prometheus and waits until it is ready.
    func start(scraping target: String, timeout: Duration = .seconds(20)) async throws {
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        var config = try String(contentsOfFile: Self.configDirectory + "/prometheus.yml", encoding: .utf8)
        for (shipped, test) in [("scrape_interval: 15s", "scrape_interval: 1s"), ("evaluation_interval: 15s", "evaluation_interval: 1s"),
                                ("\"127.0.0.1:9464\"", "\"\(target)\"")] {
            guard config.contains(shipped) else {
                throw UnixHTTPError(description: "config/prometheus/prometheus.yml no longer says \(shipped); update PrometheusServer")
            }
            config = config.replacingOccurrences(of: shipped, with: test)
        }
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: Self.configDirectory + "/sagad-alerts.yml", toPath: directory + "/sagad-alerts.yml")
        child = try SpawnedChild([
            Self.binary, "--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
        ], environment: ["PATH": "/usr/bin:/bin", "HOME": directory], outputPath: logPath)
        let deadline = ContinuousClock.now + timeout
        // Asked once more after the deadline: a test thread kept waiting elsewhere must not
        // turn a daemon that is long ready into a failure.
        while true {
            guard child?.isRunning == true else { throw UnixHTTPError(description: "prometheus exited during start:\n\(log)") }
            if let reply = try? LoopbackHTTPClient.get(port: port, "/-/ready", timeout: 2), reply.status == 200 { return }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw UnixHTTPError(description: "prometheus was not ready within \(timeout):\n\(log)")
    }

    /// The result vector of an instant query: each series' labels and value.
    func query(_ expression: String) throws -> [(labels: [String: String], value: Double)] {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&+=?#")
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: allowed) ?? expression
        let reply = try LoopbackHTTPClient.get(port: port, "/api/v1/query?query=" + encoded)
        guard reply.status == 200, reply.json["status"] as? String == "success",
              let data = reply.json["data"] as? [String: Any] else {
            throw UnixHTTPError(description: "query \(expression): \(reply.status) \(reply.text)")
        }
        if data["resultType"] as? String == "scalar", let value = data["result"] as? [Any] {
            return [([:], Double(value.last as? String ?? "") ?? .nan)]
        }
        return (data["result"] as? [[String: Any]] ?? []).map { series in
            let value = (series["value"] as? [Any])?.last as? String
            return (series["metric"] as? [String: String] ?? [:], value.flatMap(Double.init) ?? .nan)
        }
    }

    /// The alerting rules Prometheus loaded, as `/api/v1/rules` lists them.
    func rules() throws -> [[String: Any]] {
        let reply = try LoopbackHTTPClient.get(port: port, "/api/v1/rules?type=alert")
        let groups = (reply.json["data"] as? [String: Any])?["groups"] as? [[String: Any]] ?? []
        return groups.flatMap { $0["rules"] as? [[String: Any]] ?? [] }
    }

    func stop() async {
        guard let child else { return }
        child.signal(SIGTERM)
        _ = try? await child.waitForExit(timeout: .seconds(10))
        self.child = nil
    }

    func cleanUp() {
        child = nil
        try? FileManager.default.removeItem(atPath: directory)
    }
}

import GRDB
import Logging
import Prometheus
import SagaLog
import SagaMessaging
import Testing
@testable import SagaAPI
@testable import SagaDaemon

/// A database that cannot take a write is the machine's fault, not the request's: 507 for a
/// full disk, 503 for a busy or failing one — never 500, and always with a time to retry.
@Suite struct StorageProblemTests {
    @Test(arguments: [
        (ResultCode.SQLITE_FULL, 507, "insufficient-storage"),
        (ResultCode.SQLITE_BUSY, 503, "unavailable"),
        (ResultCode.SQLITE_IOERR, 503, "unavailable"),
        (ResultCode.SQLITE_READONLY, 503, "unavailable"),
    ])
    func storageFaultsAreNotServerBugs(code: ResultCode, status: Int, kind: String) throws {
        let problem = Problem.from(DatabaseError(resultCode: code, message: "simulated"))
        #expect(problem.status == status)
        #expect(problem.kind?.rawValue == kind)
        #expect(problem.detail?.contains("nothing was changed") == true, "\(problem)")
    }

    @Test func otherDatabaseErrorsStayInternal() {
        #expect(Problem.from(DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "x")).status == 500)
    }
}

/// A full disk under the log is the same fault as under a database: 507, not a 503 or a 500.
@Suite struct LogStorageProblemTests {
    @Test func aFullLogDiskIsInsufficientStorage() {
        let problem = Problem.from(SagaLogError.diskFull(path: "/var/lib/sagad/data/log/t-0/0.log"))
        #expect(problem.status == 507 && problem.kind == .insufficientStorage, "\(problem)")
        #expect(StorageFault(SagaLogError.diskFull(path: "x")) == .diskFull)
        #expect(StorageFault(SagaLogError.logClosed) == nil, "only a full disk is a storage fault of the log")
    }
}

/// Requests refused for storage show in `/healthz` (the consumers may have nothing to apply
/// while orders are refused), until a write goes through or the window passes.
@Suite struct RequestStorageFaultTests {
    @Test func aRefusedRequestCountsUntilAWriteGoesThroughOrTheWindowPasses() {
        let faults = RequestStorageFaults(window: .seconds(30))
        let start = ContinuousClock.now
        #expect(faults.current(now: start) == nil)
        faults.record("POST /v1/orders: 507 disk full", now: start)
        faults.record("POST /v1/orders: 507 disk full", now: start + .seconds(1))
        let shown = faults.current(now: start + .seconds(3))
        #expect(shown?.hasPrefix("2 request(s) refused") == true && shown?.contains("the last 2 s ago: POST /v1/orders") == true,
                "\(shown ?? "nil")")
        faults.clear()
        #expect(faults.current(now: start + .seconds(3)) == nil)
        faults.record("POST /v1/orders: 503 busy", now: start)
        #expect(faults.current(now: start + .seconds(29)) != nil)
        #expect(faults.current(now: start + .seconds(31)) == nil)
    }

    @Test func healthFailsWhileRequestsAreRefusedForStorage() async throws {
        let saga = try SagaHarness()
        defer { saga.close() }
        var logger = Logger(label: "storage-health-test")
        logger.logLevel = .critical
        let daemon = DaemonContext(runtime: saga.runtime, metrics: PrometheusCollectorRegistry(), logger: logger)
        #expect(await daemon.healthChecks()["storage"] == "ok")
        daemon.requestStorageFaults.record("POST /v1/orders: 507 the disk is full")
        let storage = await daemon.healthChecks()["storage"] ?? ""
        #expect(storage.hasPrefix("error: requests: 1 request(s) refused") && storage.contains("the disk is full"), "\(storage)")
        daemon.requestStorageFaults.clear()
        #expect(await daemon.healthChecks()["storage"] == "ok")
    }
}

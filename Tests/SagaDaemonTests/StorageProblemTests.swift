import GRDB
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

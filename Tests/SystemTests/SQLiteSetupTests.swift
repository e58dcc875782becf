import Foundation
import Testing

/// sagad puts SQLite in multi-thread mode without memory statistics before it opens a database
/// (each connection then takes no mutex of its own, and allocations no process-wide one).
@Suite(.blockingCalls) struct SQLiteSetupTests {
    @Test func theDaemonSetsUpSQLiteBeforeItsFirstDatabase() async throws {
        let daemon = DaemonProcess()
        defer { daemon.cleanUp() }
        try await daemon.start()
        #expect(try await daemon.stop() == 0)
        #expect(daemon.log.contains("SQLite in multi-thread mode, without memory statistics"), "\(daemon.log)")
        #expect(!daemon.log.contains("SQLite keeps its serialized mode"))
    }
}

import Foundation
import Testing
@testable import SagaLog

/// Whether root-only tests must run: as root, or under CI (which runs as root). There a
/// missing capability fails the test; only an unprivileged run outside CI may skip it.
let privilegedTestsRequired: Bool = {
    let ci = ProcessInfo.processInfo.environment["CI"] ?? ""
    return getuid() == 0 || !(ci.isEmpty || ci == "false" || ci == "0")
}()

/// Mounts a tmpfs of `bytes` at `path`; throws with the reason when it cannot.
func mountTmpfs(at path: String, bytes: Int) throws {
    guard mount("tmpfs", path, "tmpfs", 0, "size=\(bytes)") == 0 else {
        let code = errno
        throw SagaLogError.io(operation: "mount tmpfs (uid \(getuid()))", path: path, errno: code)
    }
}

func unmount(_ path: String) { umount2(path, Int32(MNT_DETACH)) }

@Suite struct DiskFullTests {
    @Test(.enabled(if: privilegedTestsRequired, "needs root to mount a small tmpfs (runs as root or with CI set)"))
    func aFullDiskFailsTheAppendAndKeepsTheLogConsistent() async throws {
        let mountPoint = TemporaryDirectory("enospc")
        // Root or CI: failing to mount is a failure, not a skip.
        try mountTmpfs(at: mountPoint.path, bytes: 384 * 1024)
        defer { unmount(mountPoint.path) }
        let directory = mountPoint.path + "/log"
        var configuration = LogConfiguration.small(segmentBytes: 8 << 20)
        configuration.maxRecordBytes = 4096
        let log = try SagaLog.open(directory: directory, configuration: configuration, logger: quietLogger)
        try log.createTopic("t", partitions: 1)
        let value = String(repeating: "z", count: 3000)
        var acknowledged = 0
        var failure: SagaLogError? = nil
        while failure == nil, acknowledged < 1000 {
            do {
                let position = try await log.append(record("k", "\(acknowledged):" + value), to: "t")
                #expect(position.offset == Int64(acknowledged))
                acknowledged += 1
            } catch let error as SagaLogError {
                failure = error
            }
        }
        #expect(failure == .diskFull(path: try segmentFiles(log, topic: "t", partition: 0)[0]))
        #expect(acknowledged > 10)
        // Nothing partial stayed behind and what was acknowledged reads back.
        let stats = log.topicStatistics()[0]
        #expect(stats.endOffset == Int64(acknowledged))
        let size = try FileManager.default.attributesOfItem(atPath: try segmentFiles(log, topic: "t", partition: 0)[0])[.size] as! Int64
        #expect(size == stats.bytes)
        #expect(try readAll(log, topic: "t", partition: 0).count == acknowledged)
        try log.close()

        let reopened = try SagaLog.open(directory: directory, configuration: configuration, logger: quietLogger)
        #expect(reopened.topicStatistics()[0].endOffset == Int64(acknowledged))
        #expect(reopened.recoveryReports.allSatisfy { $0.truncatedBytes == 0 })
        let last = try readAll(reopened, topic: "t", partition: 0).last.map(text)
        #expect(last?.hasPrefix("\(acknowledged - 1):") == true)
        try reopened.close()
    }
}

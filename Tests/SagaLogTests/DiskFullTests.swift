import Foundation
import Testing
@testable import SagaLog

/// Mounting a small tmpfs needs root and a mount namespace we may change; CI runs as root.
let canMountTmpfs: Bool = {
    guard getuid() == 0 else { return false }
    let probe = TemporaryDirectory("tmpfs-probe")
    guard mountTmpfs(at: probe.path, bytes: 64 * 1024) else { return false }
    unmount(probe.path)
    return true
}()

func mountTmpfs(at path: String, bytes: Int) -> Bool {
    mount("tmpfs", path, "tmpfs", 0, "size=\(bytes)") == 0
}

func unmount(_ path: String) { umount2(path, Int32(MNT_DETACH)) }

@Suite struct DiskFullTests {
    @Test(.enabled(if: canMountTmpfs, "needs root to mount a small tmpfs"))
    func aFullDiskFailsTheAppendAndKeepsTheLogConsistent() async throws {
        let mountPoint = TemporaryDirectory("enospc")
        #expect(mountTmpfs(at: mountPoint.path, bytes: 384 * 1024))
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
        try? log.close()

        let reopened = try SagaLog.open(directory: directory, configuration: configuration, logger: quietLogger)
        #expect(reopened.topicStatistics()[0].endOffset == Int64(acknowledged))
        #expect(reopened.recoveryReports.allSatisfy { $0.truncatedBytes == 0 })
        let last = try readAll(reopened, topic: "t", partition: 0).last.map(text)
        #expect(last?.hasPrefix("\(acknowledged - 1):") == true)
        try? reopened.close()
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// What the disk does without the log in the way, measured in the same run as the log so the
/// ratios hold on a noisy machine.
enum RawDiskBaseline {
    /// Plain sequential `write`s of `chunk`-sized buffers for `duration`, then one
    /// `fdatasync` (like `dd conv=fdatasync`): the disk's bandwidth, in bytes/s.
    static func sequentialWrite(directory: String, duration: Duration, chunk: Int) -> Double {
        let path = directory + "/raw-sequential"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "cannot create \(path)")
        defer { close(fd); unlink(path) }
        let buffer = [UInt8](repeating: 0x5A, count: chunk)
        let clock = ContinuousClock()
        let start = clock.now
        var written = 0
        while clock.now - start < duration {
            let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress!, chunk) }
            precondition(n > 0, "write failed: errno \(errno)")
            written += n
        }
        precondition(fdatasync(fd) == 0, "fdatasync failed: errno \(errno)")
        return Double(written) / (clock.now - start).seconds
    }

    /// `write` of one `recordBytes` record followed by `fdatasync`, repeated for `duration`;
    /// records/s — the rate a log without group commit is held to.
    static func syncPerRecord(directory: String, recordBytes: Int, duration: Duration) -> Double {
        syncPerBatch(directory: directory, recordBytes: recordBytes, recordsPerSync: 1, duration: duration)
    }

    /// `write` of `recordsPerSync` records as one buffer, then `fdatasync`; records/s.
    static func syncPerBatch(directory: String, recordBytes: Int, recordsPerSync: Int, duration: Duration) -> Double {
        let path = directory + "/raw-sync"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o644)
        precondition(fd >= 0, "cannot create \(path)")
        defer { close(fd); unlink(path) }
        let buffer = [UInt8](repeating: 0x5A, count: recordBytes * recordsPerSync)
        let clock = ContinuousClock()
        let start = clock.now
        var records = 0
        while clock.now - start < duration {
            let n = buffer.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
            precondition(n == buffer.count, "write failed: errno \(errno)")
            precondition(fdatasync(fd) == 0, "fdatasync failed: errno \(errno)")
            records += recordsPerSync
        }
        return Double(records) / (clock.now - start).seconds
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}

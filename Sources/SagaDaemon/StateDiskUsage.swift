import Foundation

/// How much disk the state directory takes and how much its filesystem has left: what the
/// disk alerts watch, since a full disk stops every write (507 answers, consumers waiting).
struct StateDiskUsage: Sendable, Equatable {
    /// Bytes allocated to the files under the state directory (as `du` counts them).
    var usedBytes: Int64
    /// Bytes of its filesystem an unprivileged process may still use, and the filesystem's size.
    var availableBytes: Int64
    var sizeBytes: Int64

    /// Measures `directory`; nil when its filesystem cannot be queried.
    static func measure(_ directory: String) -> StateDiskUsage? {
        var fs = statvfs()
        guard statvfs(directory, &fs) == 0 else { return nil }
        let block = Int64(fs.f_frsize)
        return StateDiskUsage(usedBytes: allocatedBytes(under: directory),
                              availableBytes: Int64(fs.f_bavail) * block, sizeBytes: Int64(fs.f_blocks) * block)
    }

    /// Sum of the allocated blocks of every file and directory under `directory`, links not
    /// followed; files that vanish while it walks (retention, rotations) are skipped.
    static func allocatedBytes(under directory: String) -> Int64 {
        var total: Int64 = 0
        var info = stat()
        if lstat(directory, &info) == 0 { total += Int64(info.st_blocks) * 512 }
        guard let walker = FileManager.default.enumerator(atPath: directory) else { return total }
        while let name = walker.nextObject() as? String {
            if lstat(directory + "/" + name, &info) == 0 { total += Int64(info.st_blocks) * 512 }
        }
        return total
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Small filesystem helpers shared by the log's files.
enum FileSystem {
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func makeDirectory(_ path: String) throws {
        var components: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            components.append(part)
            let prefix = (path.hasPrefix("/") ? "/" : "") + components.joined(separator: "/")
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw SagaLogError.io(operation: "mkdir", path: prefix, errno: errno)
            }
        }
    }

    /// Names in a directory, without `.` and `..`.
    static func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw SagaLogError.io(operation: "opendir", path: path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw SagaLogError.io(operation: "unlink", path: path, errno: errno) }
    }

    /// Makes a directory entry change (create, rename, unlink) durable.
    static func syncDirectory(_ path: String) throws {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SagaLogError.io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        try LogSyncObserver.timed(.directory) {
            guard fsync(fd) == 0 else { throw SagaLogError.io(operation: "fsync", path: path, errno: errno) }
        }
    }

    /// Replaces `path` with `bytes` atomically: write a temporary file, sync, rename, sync the directory.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp"
        let file = try SystemFile.open(temporary, create: true)
        try file.truncate(to: 0)
        try bytes.withUnsafeBytes { (raw) in try file.write(raw, at: 0) }
        try file.sync()
        guard rename(temporary, path) == 0 else { throw SagaLogError.io(operation: "rename", path: path, errno: errno) }
        try syncDirectory(directory(of: path))
    }

    static func readAll(_ path: String) throws -> [UInt8] {
        let file = try SystemFile.open(path, create: false)
        return try file.read(count: Int(try file.size()), at: 0)
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Seconds since the epoch of the file's last modification.
    static func modificationTime(_ path: String) throws -> Double {
        var info = stat()
        guard stat(path, &info) == 0 else { throw SagaLogError.io(operation: "stat", path: path, errno: errno) }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }

}

/// Milliseconds since the Unix epoch, from the real-time clock.
func currentTimeMillis() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}

/// Seconds since the Unix epoch, with fractions.
func currentTimeSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file descriptor with the few positioned operations the log needs. Closed on deinit,
/// so a reader holding a segment keeps its file readable even after retention unlinks it.
final class SystemFile: @unchecked Sendable {
    let path: String
    let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Opens (creating when asked) a file for reading and writing.
    static func open(_ path: String, create: Bool) throws -> SystemFile {
        var flags = O_RDWR | O_CLOEXEC
        if create { flags |= O_CREAT }
        let fd = Glibc.open(path, flags, 0o644)
        guard fd >= 0 else { throw SagaLogError.io(operation: "open", path: path, errno: errno) }
        return SystemFile(path: path, descriptor: fd)
    }

    func size() throws -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SagaLogError.io(operation: "fstat", path: path, errno: errno) }
        return Int64(info.st_size)
    }

    /// Writes all of `bytes` at `position`; ENOSPC becomes `diskFull`.
    func write(_ bytes: UnsafeRawBufferPointer, at position: Int64) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(position) + off_t(done))
            if n < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == ENOSPC || code == EDQUOT { throw SagaLogError.diskFull(path: path) }
                throw SagaLogError.io(operation: "write", path: path, errno: code)
            }
            done += n
        }
    }

    /// Reads up to `count` bytes at `position` into `buffer`; returns how many were read.
    func read(into buffer: UnsafeMutableRawBufferPointer, at position: Int64) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(position) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                throw SagaLogError.io(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    func read(count: Int, at position: Int64) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let n = try bytes.withUnsafeMutableBytes { (buffer) -> Int in
            try read(into: buffer, at: position)
        }
        bytes.removeLast(count - n)
        return bytes
    }

    func truncate(to size: Int64) throws {
        guard ftruncate(descriptor, off_t(size)) == 0 else {
            throw SagaLogError.io(operation: "ftruncate", path: path, errno: errno)
        }
    }

    func sync() throws {
        guard fdatasync(descriptor) == 0 else { throw SagaLogError.io(operation: "fdatasync", path: path, errno: errno) }
    }
}

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

    static func removeDirectory(_ path: String) throws {
        for name in try list(path) { try remove(path + "/" + name) }
        if rmdir(path) != 0 && errno != ENOENT { throw SagaLogError.io(operation: "rmdir", path: path, errno: errno) }
    }

    /// Makes a directory entry change (create, rename, unlink) durable.
    static func syncDirectory(_ path: String) throws {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SagaLogError.io(operation: "open", path: path, errno: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SagaLogError.io(operation: "fsync", path: path, errno: errno) }
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

    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
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

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

    /// `fdatasync`, timed for the process's `LogSyncObserver`.
    func sync() throws {
        try LogSyncObserver.timed(LogSyncKind(path: path)) {
            guard fdatasync(descriptor) == 0 else { throw SagaLogError.io(operation: "fdatasync", path: path, errno: errno) }
        }
    }
}

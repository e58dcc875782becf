#if canImport(Glibc)
import Glibc
#endif

/// A fake service manager: a real AF_UNIX SOCK_DGRAM socket in a fresh temp directory that
/// collects what `sd_notify` sends. Non-blocking, so async tests never stall a thread on it.
final class NotifySocketListener {
    let directory: String
    let path: String
    private let fd: Int32

    init() throws {
        directory = try makeTemporaryDirectory(prefix: "sagad-notify")
        path = directory + "/notify.sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw TestSetupError.system("socket", errno) }
        guard bindUnixSocket(fd, path: path) == 0 else {
            let code = errno
            close(fd)
            throw TestSetupError.system("bind \(path)", code)
        }
    }

    deinit {
        close(fd)
        unlink(path)
        rmdir(directory)
    }

    /// Every datagram queued so far, oldest first.
    func drain() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return messages }
            messages.append(String(decoding: buffer[0..<count], as: UTF8.self))
        }
    }

    /// Waits (without blocking a thread) until at least `count` datagrams arrived or `timeout` passed.
    func receive(atLeast count: Int, within timeout: Duration = .seconds(3)) async -> [String] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var messages = drain()
        while messages.count < count && clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
            messages += drain()
        }
        return messages
    }
}

/// A path where a datagram socket was bound and then closed: the file exists, nobody listens.
func makeDeadSocketPath(in directory: String) throws -> String {
    let path = directory + "/dead.sock"
    let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { throw TestSetupError.system("socket", errno) }
    defer { close(fd) }
    guard bindUnixSocket(fd, path: path) == 0 else { throw TestSetupError.system("bind \(path)", errno) }
    return path
}

/// Binds `fd` to the filesystem path `path` (shorter than sun_path).
func bindUnixSocket(_ fd: Int32, path: String) -> Int32 {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { errno = ENAMETOOLONG; return -1 }
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    return withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
    }
}

/// A fresh directory under /tmp (short, so socket paths fit in sun_path).
func makeTemporaryDirectory(prefix: String) throws -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    guard let created = mkdtemp(&template) else { throw TestSetupError.system("mkdtemp", errno) }
    return String(cString: created)
}

/// Removes `directory` and the files directly inside it.
func removeFlatDirectory(_ directory: String) {
    guard let handle = opendir(directory) else { return }
    while let entry = readdir(handle) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { unlink(directory + "/" + name) }
    }
    closedir(handle)
    rmdir(directory)
}

/// CLOCK_MONOTONIC in microseconds, measured independently of the code under test.
func monotonicNowMicroseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
}

enum TestSetupError: Error, CustomStringConvertible {
    case system(String, Int32)

    var description: String {
        switch self {
        case .system(let call, let code): return "\(call) failed: errno \(code)"
        }
    }
}

import Foundation

/// The control socket's file: refusing to take over a live one, clearing a stale one left by a
/// crash, and giving the socket its configured mode once bound.
enum ControlSocket {
    struct InUse: Error, CustomStringConvertible {
        var path: String
        /// The key that names the socket.
        var key = "control.socket"
        var description: String {
            "another process is serving \(path); stop it or set \(key) to another path"
        }
    }

    /// Makes the parent directory and removes a socket file nobody listens on. Throws `InUse`
    /// when something accepts connections on it.
    static func prepare(_ path: String, key: String = "control.socket") throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.fileExists(atPath: path) else { return }
        if isAccepting(path) { throw InUse(path: path, key: key) }
        try FileManager.default.removeItem(atPath: path)
    }

    static func setMode(_ path: String, _ mode: UInt16) throws {
        guard chmod(path, mode_t(mode)) == 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
    }

    /// True when a connect to `path` succeeds.
    static func isAccepting(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in bytes.enumerated() { raw[i] = byte }
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
            }
        }
    }
}

import CSystemd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Finds the listening socket systemd passed through socket activation (`sagad.socket`), so the
/// API serves on it instead of binding its own; the socket then outlives daemon restarts.
public enum SocketActivation {
    /// The descriptor number of the first passed socket (`SD_LISTEN_FDS_START`).
    public static let firstDescriptor: Int32 = 3

    /// The inherited listening socket named `name` (`FileDescriptorName=`), or fd 3 when exactly
    /// one socket was passed; nil when systemd passed none (`LISTEN_FDS` unset, or `LISTEN_PID`
    /// names another process). Throws when sockets were passed but none is usable, rather than
    /// silently binding a second socket beside the one systemd owns.
    public static func inheritedListener(named name: String = "control") throws -> Int32? {
        let passed = try passedDescriptorNames()
        guard !passed.isEmpty else { return nil }

        let fd: Int32
        if let index = passed.firstIndex(of: name) {
            fd = firstDescriptor + Int32(index)
        } else if passed.count == 1 {
            fd = firstDescriptor
        } else {
            throw SystemdError.noSocketNamed(name, passed: passed)
        }
        guard isListeningStreamSocket(fd) else {
            throw SystemdError.notAListeningStreamSocket(fd: fd, name: passed[Int(fd - firstDescriptor)])
        }
        return fd
    }

    /// The inherited listening socket whose `FileDescriptorName=` is exactly `name`; nil when
    /// systemd passed none of that name (a socket of another name is never taken for it).
    public static func namedListener(_ name: String) throws -> Int32? {
        let passed = try passedDescriptorNames()
        guard let index = passed.firstIndex(of: name) else { return nil }
        let fd = firstDescriptor + Int32(index)
        guard isListeningStreamSocket(fd) else { throw SystemdError.notAListeningStreamSocket(fd: fd, name: name) }
        return fd
    }

    /// The names of the passed descriptors in fd order (fd 3 first); libsystemd reports "unknown"
    /// for unnamed ones. The environment is left set so a re-exec or a later call sees it too.
    static func passedDescriptorNames() throws -> [String] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        let count = sd_listen_fds_with_names(0, &names)
        defer { freeStringArray(names) }
        if count < 0 { throw SystemdError.invalidListenEnvironment(errno: -count) }
        guard count > 0 else { return [] }
        return (0..<Int(count)).map { index in
            names?[index].map { String(cString: $0) } ?? "unknown"
        }
    }

    /// True for a listening SOCK_STREAM socket in AF_UNIX, AF_INET or AF_INET6.
    static func isListeningStreamSocket(_ fd: Int32) -> Bool {
        let stream = Int32(SOCK_STREAM.rawValue)
        return [AF_UNIX, AF_INET, AF_INET6].contains { family in
            sd_is_socket(fd, family, stream, 1) > 0
        }
    }

    /// Frees a NULL-terminated array of malloc'd C strings as returned by libsystemd.
    private static func freeStringArray(_ array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) {
        guard let array else { return }
        var index = 0
        while let string = array[index] {
            free(string)
            index += 1
        }
        free(array)
    }
}

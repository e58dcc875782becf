import Foundation

/// A small tmpfs that only one sagad sees: `unshare` gives the daemon a mount namespace of its
/// own (as root directly, otherwise inside a user namespace where the caller is root), mounts
/// the tmpfs on `<state>/data` there and execs sagad. Nothing is mounted on the host, so a test
/// that dies leaves no mount behind; the test reaches the tmpfs through `/proc/<pid>/root`.
struct PrivateTmpfs {
    /// The `unshare` options that work on this machine.
    let unshareOptions: [String]
    let unshare: String

    /// Whether tests that need a small disk must run: as root, or under CI (which runs as root).
    /// Only an unprivileged run outside CI may skip them.
    static var required: Bool {
        let ci = ProcessInfo.processInfo.environment["CI"] ?? ""
        return getuid() == 0 || !(ci.isEmpty || ci == "false" || ci == "0")
    }

    /// The first way of mounting a private tmpfs that works here; otherwise throws with what
    /// each attempt answered.
    static func probe() throws -> PrivateTmpfs {
        guard let unshare = ["/usr/bin/unshare", "/bin/unshare"].first(where: FileManager.default.isExecutableFile) else {
            throw UnixHTTPError(description: "no unshare(1) (util-linux) on this machine")
        }
        let mountPoint = NSTemporaryDirectory() + "sagad-tmpfs-probe-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        var answers: [String] = []
        for options in [["--mount"], ["--user", "--map-root-user", "--mount"]] {
            let candidate = PrivateTmpfs(unshareOptions: options, unshare: unshare)
            let (status, output) = try run(candidate.command(mounting: mountPoint, bytes: 1 << 20, then: ["/bin/true"]))
            if status == 0 { return candidate }
            answers.append("unshare \(options.joined(separator: " ")): exit \(status) \(output)")
        }
        throw UnixHTTPError(description: "cannot mount a private tmpfs (uid \(getuid())): " + answers.joined(separator: "; "))
    }

    /// The command that mounts a tmpfs of `bytes` on `directory` in a new mount namespace and
    /// then execs `command` there (same process, so signals and the pid reach it).
    func command(mounting directory: String, bytes: Int, then command: [String] = []) -> [String] {
        [unshare] + unshareOptions + ["/bin/sh", "-c", "mount -t tmpfs -o size=$1,mode=0700 tmpfs \"$2\" && shift 2 && exec \"$@\"",
                                      "sh", "\(bytes)", directory] + command
    }

    /// Runs `command` to its end (at most 20 s); its status and output.
    private static func run(_ command: [String]) throws -> (Int32, String) {
        let outputPath = NSTemporaryDirectory() + "sagad-tmpfs-probe-\(UUID().uuidString.prefix(8)).out"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardOutput = output
        process.standardError = output
        try ProcessLauncher.run(process)
        try process.waitForExit(within: .seconds(20), command.joined(separator: " "))
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        return (process.terminationStatus, text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

extension DaemonProcess {
    /// `path` (absolute, as the daemon sees it) reached from outside its mount namespace.
    func insideNamespace(_ path: String) throws -> String {
        guard let pid = process?.processIdentifier, process?.isRunning == true else {
            throw UnixHTTPError(description: "sagad is not running")
        }
        return "/proc/\(pid)/root" + path
    }
}

/// Bytes free for unprivileged writers on the filesystem holding `path`.
func freeBytes(at path: String) throws -> Int {
    var stats = statvfs()
    guard statvfs(path, &stats) == 0 else { throw UnixHTTPError(description: "statvfs \(path): errno \(errno)") }
    return Int(stats.f_bavail) * Int(stats.f_frsize)
}

import Foundation

/// The standard `process_*` metrics (as Prometheus client libraries export them), read from
/// /proc at each scrape and written straight into the exposition: swift-metrics has no
/// counter that can be set to an absolute value such as the CPU time.
enum ProcessMetrics {
    /// The exposition lines (`# HELP`, `# TYPE`, sample) of each metric /proc could give.
    static func exposition() -> String {
        var text = ""
        func add(_ name: String, _ type: String, _ help: String, _ value: Double?) {
            guard let value else { return }
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(format(value))\n"
        }
        let stat = selfStat()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        add("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
            stat.map { Double($0.utime + $0.stime) / ticks })
        add("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
            stat.map { Double($0.rssPages) * Double(sysconf(Int32(_SC_PAGESIZE))) })
        add("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", stat.map { Double($0.vsize) })
        add("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
            stat.flatMap { stat in bootTime().map { $0 + Double(stat.startTicks) / ticks } })
        add("process_open_fds", "gauge", "Number of open file descriptors.", openDescriptors())
        var limit = rlimit()
        add("process_max_fds", "gauge", "Maximum number of open file descriptors.",
            getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 ? Double(limit.rlim_cur) : nil)
        add("process_threads", "gauge", "Number of OS threads in the process.", stat.map { Double($0.threads) })
        return text
    }

    /// The fields of /proc/self/stat used here (see proc(5)).
    struct Stat {
        var utime: UInt64, stime: UInt64, threads: UInt64, startTicks: UInt64, vsize: UInt64, rssPages: UInt64
    }

    /// Parses /proc/self/stat; the command name (field 2) may hold spaces and parentheses, so
    /// the fields are counted from the last `)`.
    static func parseStat(_ text: String) -> Stat? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        // After ")": field 3 (state) is index 0, so field n is index n - 3.
        let fields = text[text.index(after: close)...].split(separator: " ").map { UInt64($0) }
        func field(_ n: Int) -> UInt64? { fields.indices.contains(n - 3) ? fields[n - 3] : nil }
        guard let utime = field(14), let stime = field(15), let threads = field(20), let start = field(22),
              let vsize = field(23), let rss = field(24) else { return nil }
        return Stat(utime: utime, stime: stime, threads: threads, startTicks: start, vsize: vsize, rssPages: rss)
    }

    private static func selfStat() -> Stat? {
        readWhole("/proc/self/stat").flatMap(parseStat)
    }

    /// The kernel's boot time (`btime` of /proc/stat), in seconds since the epoch.
    private static func bootTime() -> Double? {
        guard let text = readWhole("/proc/stat") else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("btime ") }
            .flatMap { Double($0.dropFirst("btime ".count).trimmingCharacters(in: .whitespaces)) }
    }

    /// A /proc file read to its end: `String(contentsOfFile:)` stops after the first read (one
    /// page), and /proc/stat's `btime` comes after the long `intr` line.
    static func readWhole(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { return String(decoding: bytes, as: UTF8.self) }
            bytes += buffer[0..<n]
        }
    }

    private static func openDescriptors() -> Double? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")).map { Double($0.count) }
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

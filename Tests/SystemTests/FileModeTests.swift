import Foundation
import Testing

/// The log and the databases are the owner's alone: started with a permissive umask, sagad
/// still creates its state without group or other access, and tightens a `data` directory an
/// older version left open.
@Suite(.blockingCalls) struct FileModeTests {
    /// Every path under `directory` whose mode grants anything to group or others.
    static func openToOthers(under directory: String) throws -> [String] {
        var found: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let relative = enumerator?.nextObject() as? String {
            let path = directory + "/" + relative
            let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? 0
            if mode & 0o077 != 0 { found.append("\(relative) \(String(mode, radix: 8))") }
        }
        return found
    }

    @Test func theStateIsTheOwnersAlone() async throws {
        let daemon = DaemonProcess()
        defer { daemon.cleanUp() }
        // An older sagad's data directory, open to everyone.
        try FileManager.default.createDirectory(atPath: daemon.stateDirectory + "/data", withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: daemon.stateDirectory + "/data")
        let previous = umask(0o022)  // inherited by the daemon; restored at once
        defer { umask(previous) }
        try daemon.launch()
        umask(previous)
        try await eventually("sagad to become ready") {
            try UnixHTTPClient.request(socket: daemon.socket, "GET", "/readyz", timeout: 2).status == 200 ? true : nil
        }
        _ = try daemon.settledOrder(try daemon.placeOrder(amount: "1.00"))

        let data = daemon.stateDirectory + "/data"
        let dataMode = try FileManager.default.attributesOfItem(atPath: data)[.posixPermissions] as? Int
        #expect(dataMode == 0o700)
        let files = try FileManager.default.subpathsOfDirectory(atPath: data)
        #expect(files.contains("orders.sqlite") && files.contains { $0.hasSuffix(".log") }, "\(files)")
        #expect(try Self.openToOthers(under: data) == [])
        let socketMode = try FileManager.default.attributesOfItem(atPath: daemon.socket)[.posixPermissions] as? Int
        #expect(socketMode == 0o660, "control.socket_mode applies to the socket")
        #expect(try await daemon.stop() == 0)
    }
}

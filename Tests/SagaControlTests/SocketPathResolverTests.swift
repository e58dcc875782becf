import Testing
@testable import SagaControl

@Suite("Socket path resolution")
struct SocketPathResolverTests {
    private func resolver(environment: [String: String] = [:], existing: Set<String> = []) -> SocketPathResolver {
        SocketPathResolver(environment: environment, fileExists: { existing.contains($0) },
                           currentDirectory: "/home/dev/sagad")
    }

    @Test("--socket wins over everything")
    func flagFirst() {
        let chosen = resolver(environment: ["SAGAD_SOCKET": "/tmp/env.sock"], existing: ["/run/sagad/sagad.sock"])
            .resolve(flag: "/tmp/flag.sock")
        #expect(chosen == "/tmp/flag.sock")
    }

    @Test("SAGAD_SOCKET comes next, before the systemd socket")
    func environmentSecond() {
        let chosen = resolver(environment: ["SAGAD_SOCKET": "/tmp/env.sock"], existing: ["/run/sagad/sagad.sock"])
            .resolve(flag: nil)
        #expect(chosen == "/tmp/env.sock")
    }

    @Test("the systemd socket is used when it exists")
    func systemSocketWhenPresent() {
        #expect(resolver(existing: ["/run/sagad/sagad.sock"]).resolve(flag: nil) == "/run/sagad/sagad.sock")
    }

    @Test("otherwise ./var/run/sagad.sock, made absolute")
    func developmentSocketLast() {
        #expect(resolver().resolve(flag: nil) == "/home/dev/sagad/var/run/sagad.sock")
    }

    @Test("empty values are ignored and relative values made absolute")
    func relativeAndEmpty() {
        #expect(resolver(environment: ["SAGAD_SOCKET": ""]).resolve(flag: "") == "/home/dev/sagad/var/run/sagad.sock")
        #expect(resolver().resolve(flag: "./other/s.sock") == "/home/dev/sagad/other/s.sock")
        #expect(resolver(environment: ["SAGAD_SOCKET": "../x.sock"]).resolve(flag: nil) == "/home/dev/x.sock")
    }

    @Test("GlobalOptions parses --socket and --json on a command")
    func globalOptions() throws {
        let command = try TopicsCommand.parse(["--socket", "/tmp/a.sock", "--json"])
        #expect(command.global.json)
        #expect(command.global.socketPath(resolver: resolver()) == "/tmp/a.sock")
    }
}

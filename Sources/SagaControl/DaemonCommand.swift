import ArgumentParser

/// What a command needs while it runs: the client, where to write, and the output form.
struct DaemonSession: Sendable {
    var client: ControlClient
    var console: any Console
    var wantsJSON: Bool

    /// Prints a table, or its header alone when there are no rows.
    func printTable(_ table: TextTable) {
        console.printLine(table.rendered())
    }
}

/// A sagactl command that talks to sagad. `run()` resolves the socket, calls `perform`, and
/// turns failures into a message on stderr and the exit code (1 daemon error, 69 unreachable).
protocol DaemonCommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    /// How many connections the client may open at once (bench raises this).
    var connectionLimit: Int { get }
    /// Does the command's work through `session`.
    func perform(with session: DaemonSession) async throws
}

extension DaemonCommand {
    var connectionLimit: Int { 8 }

    mutating func run() async throws {
        let status = await execute(socketPath: global.socketPath(), console: StandardConsole())
        if status != 0 { throw ExitCode(status) }
    }

    /// Runs the command against `socketPath` and returns the exit status, having printed
    /// any failure to the console's standard error.
    func execute(socketPath: String, console: any Console) async -> Int32 {
        let client = ControlClient(socketPath: socketPath, connectionLimit: connectionLimit)
        let session = DaemonSession(client: client, console: console, wantsJSON: global.json)
        let status: Int32
        do {
            try await perform(with: session)
            status = 0
        } catch let error as ControlError {
            console.printErrorLine(error.message)
            status = error.exitCode
        } catch {
            console.printErrorLine("sagactl: \(error)")
            status = 1
        }
        await client.shutdown()
        return status
    }
}

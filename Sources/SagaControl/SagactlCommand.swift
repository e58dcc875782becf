import ArgumentParser

/// The `sagactl` root command: drives sagad over its Unix-socket API.
public struct SagactlCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "sagactl",
        abstract: "Drive sagad, the order-saga daemon, over its control socket.",
        discussion: """
            Output is human-readable tables in local time; --json prints the daemon's JSON for \
            scripts. The socket is --socket, else $SAGAD_SOCKET, else /run/sagad/sagad.sock when \
            it exists, else ./var/run/sagad.sock (the one 'make run' uses).

            Exit codes: 0 ok, 1 the daemon answered with an error, 64 usage error, 69 the \
            daemon cannot be reached.

            Shell completions: sagactl --generate-completion-script bash|zsh|fish
            """,
        version: "1.0.0",
        subcommands: [
            OrderCommand.self, AccountCommand.self, LedgerCommand.self, NotificationsCommand.self, TopicsCommand.self,
            GroupsCommand.self, GroupCommand.self, LogCommand.self, TailCommand.self, DeadLetterCommand.self,
            HealthCommand.self, TopCommand.self, BenchCommand.self,
        ]
    )

    public init() {}
}

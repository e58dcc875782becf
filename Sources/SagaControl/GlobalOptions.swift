import ArgumentParser

/// The options every sagactl command takes: which daemon to talk to and the output form.
struct GlobalOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Path of sagad's control socket.",
            discussion: """
                Default: $SAGAD_SOCKET, else /run/sagad/sagad.sock when it exists, else \
                ./var/run/sagad.sock (the socket 'make run' uses). Relative paths are made absolute.
                """,
            valueName: "path"
        ),
        completion: .file()
    )
    var socket: String?

    @Flag(help: "Print the daemon's JSON (pretty-printed) instead of tables, for scripts.")
    var json = false

    init() {}

    /// The socket to use, following the documented precedence.
    func socketPath(resolver: SocketPathResolver = .forCurrentProcess()) -> String {
        resolver.resolve(flag: socket)
    }
}

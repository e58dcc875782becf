import Logging
import Testing

@testable import SagaSystemd

#if canImport(Glibc)
import Glibc
#endif

extension SystemdEnvironmentTests {
    @Test("with JOURNAL_STREAM set, every line carries the sd-daemon priority of its level")
    func journalPriorities() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(JournalScenarios.priorities)
        }
        ChildScenario.report(child)
    }

    @Test("without JOURNAL_STREAM, lines are plain: timestamp level label: message metadata")
    func plainFormat() async {
        let child = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
            await ChildScenario.run(JournalScenarios.plain)
        }
        ChildScenario.report(child)
    }
}

@Test("metadata is merged (call over provider over handler), sorted, quoted, and kept on one line")
func journalMetadataAndEscaping() {
    let captured = CapturedLines()
    let provider = Logger.MetadataProvider { ["request": "r-1", "order": "from-provider"] }
    var logger = Logger(label: "api") { label in
        JournalLogHandler(label: label, format: .journal, output: captured.output, metadataProvider: provider)
    }
    logger[metadataKey: "zone"] = "a"
    logger[metadataKey: "order"] = "from-handler"
    logger.error("two\nlines", metadata: ["order": "42", "note": "has space", "quote": "say \"hi\""])
    #expect(captured.lines == [
        "<3>api: two\\nlines note=\"has space\" order=42 quote=\"say \\\"hi\\\"\" request=r-1 zone=a\n",
    ])
}

/// Bodies of the journal-format tests; each runs in a child process (see ``ChildScenario``).
enum JournalScenarios {
    static func priorities(_ complaints: Complaints) async throws {
        setenv("JOURNAL_STREAM", "8:123456", 1)
        complaints.check(JournalLogHandler.Format.detect() == .journal, "JOURNAL_STREAM set but format is plain")
        let captured = CapturedLines()
        // The default format comes from the environment; only the output is injected.
        var logger = Logger(label: "sagad") { label in JournalLogHandler(label: label, output: captured.output) }
        logger.logLevel = .trace
        logger.critical("c")
        logger.error("e")
        logger.warning("w")
        logger.notice("n")
        logger.info("i")
        logger.debug("d")
        logger.trace("t")
        let expected = [
            "<2>sagad: c\n", "<3>sagad: e\n", "<4>sagad: w\n", "<5>sagad: n\n",
            "<6>sagad: i\n", "<7>sagad: d\n", "<7>sagad: t\n",
        ]
        complaints.check(captured.lines == expected, "expected \(expected), got \(captured.lines)")
    }

    static func plain(_ complaints: Complaints) async throws {
        complaints.check(JournalLogHandler.Format.detect() == .plain, "JOURNAL_STREAM unset but format is journal")
        let captured = CapturedLines()
        let logger = Logger(label: "sagad.order") { label in JournalLogHandler(label: label, output: captured.output) }
        logger.warning("slow consumer", metadata: ["lag": "12", "group": "checkout"])
        logger.debug("not shown at the default info level")
        guard captured.lines.count == 1 else { return complaints.add("expected one line, got \(captured.lines)") }
        let line = captured.lines[0]
        complaints.check(!line.hasPrefix("<"), "plain line has a priority prefix: \(line)")
        complaints.check(line.hasSuffix(" warning sagad.order: slow consumer group=checkout lag=12\n"), "got \(line)")
        let pattern = #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4} warning /#
        complaints.check(line.firstMatch(of: pattern) != nil, "bad timestamp in \(line)")
    }
}

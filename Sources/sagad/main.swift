import Dispatch
import Foundation
import Logging
import SagaLog

// At this stage sagad opens (and recovers) the log under the state directory, keeps it open,
// enforces retention hourly, and closes it cleanly on SIGTERM or SIGINT.

var stateDirectory = "./var"
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--state-dir":
        guard let value = arguments.popFirst() else {
            FileHandle.standardError.write(Data("sagad: --state-dir needs a value\n".utf8))
            exit(64)
        }
        stateDirectory = value
    case "--help", "-h":
        print("usage: sagad [--state-dir DIR]   (default ./var; the log lives in DIR/data/log)")
        exit(0)
    default:
        FileHandle.standardError.write(Data("sagad: unknown argument '\(argument)'\n".utf8))
        exit(64)
    }
}

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .info
    return handler
}
let logger = Logger(label: "sagad")

let log: SagaLog
do {
    log = try SagaLog.open(directory: stateDirectory + "/data/log", logger: logger)
} catch {
    logger.critical("cannot open the log", metadata: ["directory": "\(stateDirectory)/data/log", "error": "\(error)"])
    exit(error as? SagaLogError == .locked(path: stateDirectory + "/data/log/.lock") ? 75 : 73)
}
let truncated = log.recoveryReports.reduce(Int64(0)) { $0 + $1.truncatedBytes }
logger.info("log open", metadata: [
    "directory": "\(log.directory)", "topics": "\(log.topicNames.count)",
    "durability": "\(log.configuration.durability)", "truncated_bytes": "\(truncated)",
])

let retentionTimer = DispatchSource.makeTimerSource()
retentionTimer.schedule(deadline: .now() + .seconds(3600), repeating: .seconds(3600))
retentionTimer.setEventHandler {
    do { try log.enforceRetention() } catch { logger.error("retention failed", metadata: ["error": "\(error)"]) }
}
retentionTimer.resume()

var signalSources: [DispatchSourceSignal] = []
for signalNumber in [SIGTERM, SIGINT] {
    signal(signalNumber, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .main)
    source.setEventHandler {
        logger.info("stopping", metadata: ["signal": "\(signalNumber)"])
        do {
            try log.close()
            exit(0)
        } catch {
            logger.critical("closing the log failed", metadata: ["error": "\(error)"])
            exit(1)
        }
    }
    source.resume()
    signalSources.append(source)
}
dispatchMain()

import Foundation
import SagaAPI

/// Everything that can make a sagactl command fail after its arguments were accepted,
/// each with the exit code and the message the user sees.
enum ControlError: Error, Equatable {
    /// Nothing answers on the socket: it is missing, refuses connections, or is not a socket.
    case daemonUnreachable(socketPath: String, reason: String)
    /// The daemon was reachable but the exchange broke off (timeout, reset, truncated reply).
    case exchangeFailed(socketPath: String, reason: String)
    /// The daemon answered with an `application/problem+json` body.
    case daemonRejected(Problem)
    /// The daemon answered with an error status but without a problem body.
    case unexpectedResponse(status: Int, body: String)
    /// A success response whose body did not match the API contract.
    case undecodableResponse(path: String, reason: String)
    /// A thing sagactl looked up in a listing and did not find (e.g. a topic partition).
    case notFound(String)
    /// `order watch --timeout` ran out before the order settled.
    case watchTimedOut(orderID: String, lastStatus: String, seconds: Double)
    /// `health` found the daemon answering but not healthy or not ready.
    case unhealthy(summary: String)
    /// `ledger` found accounts whose balance is not deposits − charges + refunds.
    case unbalanced(accounts: [String])
    /// `log verify` found damaged records.
    case damaged(ranges: Int)

    /// The process exit code: 69 (EX_UNAVAILABLE) when sagad cannot be talked to, 1 otherwise.
    var exitCode: Int32 {
        switch self {
        case .daemonUnreachable, .exchangeFailed: return 69
        default: return 1
        }
    }

    /// The message printed to standard error.
    var message: String {
        switch self {
        case let .daemonUnreachable(socketPath, reason):
            return "sagactl: cannot reach sagad at \(socketPath) (\(reason)). Is it running? "
                + "Start it with 'make run' or 'systemctl start sagad', or pass --socket."
        case let .exchangeFailed(socketPath, reason):
            return "sagactl: the request to sagad at \(socketPath) failed: \(reason)"
        case let .daemonRejected(problem):
            return problem.message
        case let .unexpectedResponse(status, body):
            let trimmed = body.trimmingCharacters(in: .whitespacesAndNewlines)
            return "sagactl: sagad answered \(status)" + (trimmed.isEmpty ? "" : ": \(trimmed)")
        case let .undecodableResponse(path, reason):
            return "sagactl: unexpected response from \(path): \(reason)"
        case let .notFound(what):
            return "sagactl: \(what)"
        case let .watchTimedOut(orderID, lastStatus, seconds):
            return "sagactl: order \(orderID) did not settle within \(formatSeconds(seconds)) s "
                + "(last status: \(lastStatus))"
        case let .unhealthy(summary):
            return "sagactl: sagad is not healthy: \(summary)"
        case let .unbalanced(accounts):
            return "sagactl: the ledger does not balance for \(accounts.joined(separator: ", "))"
        case let .damaged(ranges):
            return "sagactl: the log holds \(ranges) damaged range(s); a group stalled on one moves on with 'sagactl group skip'"
        }
    }

    private func formatSeconds(_ seconds: Double) -> String {
        seconds.rounded() == seconds ? String(Int(seconds)) : String(seconds)
    }
}

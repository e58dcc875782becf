import Synchronization

/// Runs a caller-supplied liveness check against a deadline. A wedged check cannot block the
/// watchdog: the probe stops waiting at the deadline and refuses to start a second check while
/// the first one is still running, so each tick answers in bounded time.
final class LivenessProbe: Sendable {
    /// How one probe ended.
    enum Outcome: Equatable, Sendable {
        /// The check returned true before the deadline.
        case alive
        /// The check returned false before the deadline.
        case failed
        /// The check did not answer before the deadline (it is cancelled, and may still be running).
        case timedOut
        /// An earlier check has not returned yet, so no new one was started.
        case stillRunning
        /// The task waiting for the probe was cancelled.
        case cancelled
    }

    private let check: @Sendable () async -> Bool
    private let checkInFlight = Mutex(false)

    init(check: @escaping @Sendable () async -> Bool) {
        self.check = check
    }

    /// Starts the check and waits for it or for `deadline`, whichever comes first.
    func run(deadline: Duration) async -> Outcome {
        let started = checkInFlight.withLock { busy in
            if busy { return false }
            busy = true
            return true
        }
        guard started else { return .stillRunning }

        let race = OutcomeRace()
        let checkTask = Task { [self] in
            let alive = await self.check()
            self.checkInFlight.withLock { $0 = false }
            race.finish(alive ? .alive : .failed)
        }
        let timer = Task {
            guard (try? await Task.sleep(for: deadline)) != nil else { return }
            race.finish(.timedOut)
        }
        let outcome = await withTaskCancellationHandler {
            await race.wait()
        } onCancel: {
            race.finish(.cancelled)
        }
        timer.cancel()
        if outcome == .timedOut || outcome == .cancelled { checkTask.cancel() }
        return outcome
    }
}

/// The first `finish` wins; `wait` returns it whether it came before or after the wait began.
private final class OutcomeRace: Sendable {
    private enum State {
        case waiting(CheckedContinuation<LivenessProbe.Outcome, Never>?)
        case finished(LivenessProbe.Outcome)
    }

    private let state = Mutex(State.waiting(nil))

    func wait() async -> LivenessProbe.Outcome {
        await withCheckedContinuation { continuation in
            let early: LivenessProbe.Outcome? = state.withLock { state in
                switch state {
                case .waiting:
                    state = .waiting(continuation)
                    return nil
                case .finished(let outcome):
                    return outcome
                }
            }
            if let early { continuation.resume(returning: early) }
        }
    }

    func finish(_ outcome: LivenessProbe.Outcome) {
        let waiter: CheckedContinuation<LivenessProbe.Outcome, Never>? = state.withLock { state in
            guard case .waiting(let continuation) = state else { return nil }
            state = .finished(outcome)
            return continuation
        }
        waiter?.resume(returning: outcome)
    }
}

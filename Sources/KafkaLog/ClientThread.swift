import Foundation
import Synchronization

/// A thread of its own that runs jobs one at a time, in order. librdkafka's blocking calls
/// (consumer poll, synchronous commit, consumer close) run here, never on Swift's cooperative
/// pool; callers await their results through continuations.
final class ClientThread: Sendable {
    private struct Queue {
        var jobs: [@Sendable () -> Void] = []
        var finishing = false
    }

    private let queue = Mutex(Queue())
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(name: String) {
        let thread = Thread { [self] in
            Thread.current.name = name  // set from inside: Linux names the running thread only
            while true {
                wakeUp.wait()
                let next = queue.withLock { state -> (@Sendable () -> Void)?? in
                    if !state.jobs.isEmpty { return .some(state.jobs.removeFirst()) }
                    return state.finishing ? .none : .some(nil)
                }
                guard let job = next else { break }
                job?()
            }
            finished.signal()
        }
        thread.start()
    }

    /// Runs `job` on the thread and returns its result; throws `closed` once the thread finished.
    func run<T: Sendable>(_ job: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = enqueue { continuation.resume(with: Result { try job() }) }
            if !accepted { continuation.resume(throwing: KafkaLogError.closed) }
        }
    }

    /// Runs `job` on the thread and blocks the caller until it ran (for synchronous API calls).
    func runAndWait<T: Sendable>(_ job: @escaping @Sendable () throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<T, any Error>>(.failure(KafkaLogError.closed))
        guard enqueue({ result.withLock { $0 = Result { try job() } }; done.signal() }) else { throw KafkaLogError.closed }
        done.wait()
        return try result.withLock { $0 }.get()
    }

    /// Lets queued jobs run, then ends the thread and waits for it; later jobs are refused.
    func finish() {
        let first = queue.withLock { state in
            defer { state.finishing = true }
            return !state.finishing
        }
        guard first else { return }
        wakeUp.signal()
        finished.wait()
    }

    private func enqueue(_ job: @escaping @Sendable () -> Void) -> Bool {
        let accepted = queue.withLock { state in
            guard !state.finishing else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted { wakeUp.signal() }
        return accepted
    }
}

import CRdKafka
import MessageLog
import Synchronization

/// One `append` call waiting for librdkafka's delivery reports: it resumes its caller once
/// every record was acknowledged (with their positions, in order) or one of them failed.
final class AppendInFlight: Sendable {
    private struct Progress {
        var positions: [RecordPosition?]
        var remaining: Int
        var failure: KafkaLogError?
    }

    private let topic: String
    private let progress: Mutex<Progress>
    private let continuation: CheckedContinuation<[RecordPosition], any Error>

    init(topic: String, count: Int, continuation: CheckedContinuation<[RecordPosition], any Error>) {
        self.topic = topic
        self.progress = Mutex(Progress(positions: Array(repeating: nil, count: count), remaining: count))
        self.continuation = continuation
    }

    /// Record `index` was stored at `partition`@`offset`, or failed with `failure`.
    func settle(_ index: Int, partition: Int, offset: Int64, failure: KafkaLogError?) {
        let outcome = progress.withLock { state -> Result<[RecordPosition], KafkaLogError>? in
            if let failure, state.failure == nil { state.failure = failure }
            if failure == nil { state.positions[index] = RecordPosition(topic: topic, partition: partition, offset: offset) }
            state.remaining -= 1
            guard state.remaining == 0 else { return nil }
            if let failure = state.failure { return .failure(failure) }
            return .success(state.positions.map { $0! })
        }
        switch outcome {
        case .success(let positions): continuation.resume(returning: positions)
        case .failure(let error): continuation.resume(throwing: error)
        case nil: break
        }
    }
}

/// What travels through librdkafka as a message's opaque pointer: whose record it is.
final class DeliveryTicket {
    let append: AppendInFlight
    let index: Int

    init(append: AppendInFlight, index: Int) {
        self.append = append
        self.index = index
    }

    /// librdkafka's delivery report callback (on the poll thread): settles the record's append.
    static let reportDelivery: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, _ in
        guard let message, let opaque = message.pointee._private else { return }
        let ticket = Unmanaged<DeliveryTicket>.fromOpaque(opaque).takeRetainedValue()
        let code = message.pointee.err
        ticket.append.settle(
            ticket.index, partition: Int(message.pointee.partition), offset: message.pointee.offset,
            failure: code == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaLogError.client("delivery", code))
    }
}

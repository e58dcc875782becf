// Re-exported so that SagaLog's files and clients see the record types its API is written in.
@_exported import MessageLog

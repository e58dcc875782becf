import GRPCCore

/// W3C Trace Context over gRPC: the `traceparent` metadata of the call being served, which the
/// simple service protocol's handlers cannot see themselves. `PlaceOrder` keeps it with the
/// order as `POST /v1/orders` keeps the header (one that does not parse starts a new trace).
enum CallTraceparent {
    @TaskLocal static var value: String?
}

/// Runs each call with its `traceparent` metadata in ``CallTraceparent``.
struct TraceparentInterceptor: ServerInterceptor {
    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let traceparent = request.metadata[stringValues: "traceparent"].first { _ in true }
        return try await CallTraceparent.$value.withValue(traceparent) { try await next(request, context) }
    }
}

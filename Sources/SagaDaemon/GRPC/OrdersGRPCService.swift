import GRPCCore
import SagaAPI
import SagaProto
import ServiceLifecycle

/// `sagad.v1.Orders` (proto/sagad/v1/orders.proto): the orders of the HTTP API over gRPC. Each
/// method reads its message into the arguments of `OrderOperations`, the functions the HTTP
/// routes call, and maps their problems to gRPC statuses with the same messages.
struct OrdersGRPCService: Sagad_V1_Orders.SimpleServiceProtocol {
    let operations: OrderOperations

    /// How long one wait of `WatchOrder` lasts before it looks again (a change ends it sooner).
    static let watchPoll: Duration = .seconds(300)

    func placeOrder(
        request: Sagad_V1_PlaceOrderRequest, context: ServerContext
    ) async throws -> Sagad_V1_PlaceOrderResponse {
        try await Self.answering {
            let body = try OrderOperations.request(
                amount: request.hasAmount ? request.amount : nil, accountID: request.hasAccountID ? request.accountID : nil)
            let (order, replayed) = try await operations.place(
                body, idempotencyKey: request.hasIdempotencyKey ? request.idempotencyKey : nil,
                traceparent: CallTraceparent.value)
            return .with {
                $0.order = Sagad_V1_Order(order)
                $0.replayed = replayed
            }
        }
    }

    func getOrder(request: Sagad_V1_GetOrderRequest, context: ServerContext) async throws -> Sagad_V1_Order {
        try await Self.answering { Sagad_V1_Order(try await operations.get(request.id)) }
    }

    func listOrders(
        request: Sagad_V1_ListOrdersRequest, context: ServerContext
    ) async throws -> Sagad_V1_ListOrdersResponse {
        try await Self.answering {
            let page = try await operations.list(
                status: request.hasStatus ? request.status : nil, limit: request.hasLimit ? request.limit : nil,
                after: request.hasAfter ? request.after : nil)
            return .with {
                $0.orders = page.orders.map(Sagad_V1_Order.init)
                if let next = page.nextAfter { $0.nextAfter = next }
            }
        }
    }

    func cancelOrder(request: Sagad_V1_CancelOrderRequest, context: ServerContext) async throws -> Sagad_V1_Order {
        try await Self.answering { Sagad_V1_Order(try await operations.cancel(request.id)) }
    }

    /// The order now, then at each change of its history until it settles. A daemon shutting
    /// down ends the stream with UNAVAILABLE, so that the client knows to watch again.
    func watchOrder(
        request: Sagad_V1_WatchOrderRequest, response: RPCWriter<Sagad_V1_Order>, context: ServerContext
    ) async throws {
        try await Self.answering {
            var order = try await operations.get(request.id)
            try await response.write(Sagad_V1_Order(order))
            while !order.isSettled {
                let seen = order.history?.count ?? 0
                let id = request.id, operations = self.operations
                // A shutdown ends the wait at once (it returns the order as it is).
                let next: Order
                do {
                    next = try await cancelWhenGracefulShutdown {
                        try await operations.waitForChange(id, seen: seen, timeout: Self.watchPoll)
                    }
                } catch is CancellationError {
                    throw Self.stopping
                }
                guard !Task.isCancelled, !Task.isShuttingDownGracefully else { throw Self.stopping }
                if (next.history?.count ?? 0) > seen || next.isSettled {
                    try await response.write(Sagad_V1_Order(next))
                }
                order = next
            }
        }
    }

    private static let stopping = RPCError(
        code: .unavailable, message: "sagad is stopping; watch the order again once it is back")

    /// Runs `body`, turning any error into the `RPCError` of its problem.
    private static func answering<Value: Sendable>(_ body: () async throws -> Value) async throws -> Value {
        do {
            return try await body()
        } catch let error as RPCError {
            throw error
        } catch {
            throw RPCError(Problem.from(error))
        }
    }
}

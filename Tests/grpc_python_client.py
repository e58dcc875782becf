"""A client of sagad's gRPC API that no one here wrote: Python grpcio with stubs that
grpcio-tools generates from proto/sagad/v1/orders.proto into a temporary directory.

Usage: grpc_python_client.py PROTO_DIR STATE_DIR

Places orders, watches them to settlement, cancels orders held in `created` (checkout paused
over the HTTP socket), replays an idempotency key and checks a refusal against HTTP's message.
Prints `grpc-python: ...` and exits non-zero on the first failed check.
"""
import concurrent.futures
import http.client
import json
import socket
import sys
import tempfile

import grpc
from grpc_tools import protoc


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP/1.1 over the daemon's control socket."""

    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def http_call(state_dir, method, target, body=None, headers=None):
    connection = UnixHTTPConnection(state_dir + "/run/sagad.sock")
    data = json.dumps(body).encode() if body is not None else None
    all_headers = {"Content-Type": "application/json"} if data else {}
    all_headers.update(headers or {})
    connection.request(method, target, body=data, headers=all_headers)
    response = connection.getresponse()
    text = response.read()
    connection.close()
    return response.status, json.loads(text) if text else {}


def check(condition, what):
    if not condition:
        print("grpc-python: FAILED: " + what)
        sys.exit(1)


def load_stubs(proto_dir):
    out = tempfile.mkdtemp(prefix="sagad-grpc-stubs-")
    status = protoc.main(["grpc_tools.protoc", "-I" + proto_dir, "--python_out=" + out,
                          "--grpc_python_out=" + out, "sagad/v1/orders.proto"])
    check(status == 0, "grpcio-tools could not compile orders.proto")
    sys.path.insert(0, out)
    from sagad.v1 import orders_pb2, orders_pb2_grpc  # noqa: E402 (generated just now)
    return orders_pb2, orders_pb2_grpc


def main():
    proto_dir, state_dir = sys.argv[1], sys.argv[2]
    pb, rpc = load_stubs(proto_dir)
    channel = grpc.insecure_channel("unix:" + state_dir + "/run/sagad-grpc.sock")
    grpc.channel_ready_future(channel).result(timeout=30)
    orders = rpc.OrdersStub(channel)

    placed = [orders.PlaceOrder(pb.PlaceOrderRequest(amount="%d.%02d" % (1 + i, i))).order for i in range(20)]
    check(all(order.status == "created" or order.status for order in placed), "placed orders have a status")

    def watch(order_id):
        return [order for order in orders.WatchOrder(pb.WatchOrderRequest(id=order_id), timeout=60)]

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        streams = list(pool.map(watch, [order.id for order in placed]))
    for stream in streams:
        check(stream and stream[-1].settled, "a watch ends once its order settled: %s" % [o.status for o in stream])
        check(all(not order.settled for order in stream[:-1]), "only the last message of a watch is settled")
    finished = sum(1 for stream in streams if stream[-1].status == "finished")

    listed = orders.ListOrders(pb.ListOrdersRequest(limit=1000)).orders
    check({order.id for order in placed} <= {order.id for order in listed}, "ListOrders holds every placed order")

    # Orders held in `created` can be canceled; their watches see it.
    check(http_call(state_dir, "POST", "/v1/groups/checkout/pause")[0] == 200, "pause checkout")
    held = [orders.PlaceOrder(pb.PlaceOrderRequest(amount="2.50")).order for _ in range(5)]
    watches = [orders.WatchOrder(pb.WatchOrderRequest(id=order.id), timeout=60) for order in held]
    canceled = [orders.CancelOrder(pb.CancelOrderRequest(id=order.id)) for order in held]
    check(all(order.status == "canceled" for order in canceled), "CancelOrder answers canceled orders")
    for stream in watches:
        check([order.status for order in stream][-1] == "canceled", "a watch of a canceled order ends canceled")
    check(http_call(state_dir, "POST", "/v1/groups/checkout/resume")[0] == 200, "resume checkout")

    first = orders.PlaceOrder(pb.PlaceOrderRequest(amount="7.00", idempotency_key="python-key"))
    again = orders.PlaceOrder(pb.PlaceOrderRequest(amount="7.00", idempotency_key="python-key"))
    check(again.replayed and again.order.id == first.order.id, "an idempotency key replays its order")

    status, problem = http_call(state_dir, "POST", "/v1/orders", {"amount": "1.234"})
    try:
        orders.PlaceOrder(pb.PlaceOrderRequest(amount="1.234"))
        check(False, "an amount with three decimals is refused")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.INVALID_ARGUMENT, "refused as INVALID_ARGUMENT, not %s" % error.code())
        check(error.details() == problem.get("detail"), "same message as HTTP %d: %r vs %r"
              % (status, error.details(), problem.get("detail")))
    try:
        orders.GetOrder(pb.GetOrderRequest(id="no-such-order"))
        check(False, "an unknown order is not found")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.NOT_FOUND, "unknown order: NOT_FOUND, not %s" % error.code())

    channel.close()
    print("grpc-python: %d placed, %d watched to settlement (%d finished), %d canceled, 0 failures"
          % (len(placed) + len(held) + 1, len(streams), finished, len(canceled)))


if __name__ == "__main__":
    main()

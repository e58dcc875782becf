/// The API description served at `GET /openapi.yaml`; a test keeps it equal to the repository's
/// `openapi.yaml`.
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.1.0
info:
  title: sagad control API
  version: 1.0.0
  description: |
    HTTP/1.1 + JSON on sagad's Unix socket (`control.socket`, default `./var/run/sagad.sock`
    under `make run`, `/run/sagad/sagad.sock` under systemd), and on an optional loopback TCP
    listener (`http.listen`). Money crosses the API as decimal strings ("12.34"); timestamps
    are RFC 3339 in UTC. Errors are `application/problem+json` (RFC 9457) with a stable `type`
    and `title`; bodies larger than 64 KiB get 413.
servers:
  - url: http://localhost
paths:
  /v1/orders:
    post:
      summary: Place an order
      operationId: createOrder
      parameters:
        - name: Idempotency-Key
          in: header
          required: false
          description: A repeat with the same key and body returns the first order (header Idempotent-Replayed true).
          schema: {type: string, minLength: 1, maxLength: 200}
      requestBody:
        required: false
        content:
          application/json:
            schema: {$ref: '#/components/schemas/OrderRequest'}
      responses:
        '201':
          description: The order, status created
          content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}
        '400': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '413': {$ref: '#/components/responses/Problem'}
        '415': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
        '503':
          description: Too many orders in flight; retry after the number of seconds in Retry-After
          headers:
            Retry-After: {schema: {type: integer}}
          content: {application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}}
    get:
      summary: Page through orders, oldest first
      operationId: listOrders
      parameters:
        - {name: status, in: query, schema: {$ref: '#/components/schemas/OrderStatus'}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 100}}
        - {name: after, in: query, description: Return orders created after this order id, schema: {type: string}}
      responses:
        '200':
          description: A page of orders
          content: {application/json: {schema: {$ref: '#/components/schemas/OrderPage'}}}
        '400': {$ref: '#/components/responses/Problem'}
  /v1/orders/{id}:
    get:
      summary: One order with its status history; optionally long-polls
      operationId: getOrder
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - name: wait
          in: query
          description: "`terminal` waits until the order is settled; `change` waits until its history has more than `seen` entries."
          schema: {type: string, enum: [terminal, change]}
        - {name: seen, in: query, description: History entries already seen (with wait=change), schema: {type: integer, minimum: 0}}
        - {name: timeout, in: query, description: Seconds to wait at most, schema: {type: number, minimum: 0, maximum: 300, default: 10}}
      responses:
        '200':
          description: The order (as it is when the wait ended)
          content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}
        '400': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
  /v1/orders/{id}/cancel:
    post:
      summary: Cancel an order that is still created
      operationId: cancelOrder
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: The canceled order
          content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}
        '404': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
  /v1/accounts:
    post:
      summary: Open an account
      operationId: createAccount
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [id, balance]
              additionalProperties: false
              properties:
                id: {type: string, minLength: 1, maxLength: 128}
                balance: {$ref: '#/components/schemas/Amount'}
      responses:
        '201':
          description: The account
          content: {application/json: {schema: {$ref: '#/components/schemas/Account'}}}
        '400': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
  /v1/accounts/{id}:
    get:
      summary: An account's balance
      operationId: getAccount
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: The account
          content: {application/json: {schema: {$ref: '#/components/schemas/Account'}}}
        '404': {$ref: '#/components/responses/Problem'}
  /v1/accounts/{id}/deposit:
    post:
      summary: Add money to an account
      operationId: deposit
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [amount]
              additionalProperties: false
              properties:
                amount: {$ref: '#/components/schemas/Amount'}
      responses:
        '200':
          description: The account after the deposit
          content: {application/json: {schema: {$ref: '#/components/schemas/Account'}}}
        '400': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '422': {$ref: '#/components/responses/Problem'}
  /v1/notifications:
    get:
      summary: User notifications, newest first, or those of one order
      operationId: listNotifications
      parameters:
        - {name: order_id, in: query, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 100}}
      responses:
        '200':
          description: Notifications
          content:
            application/json:
              schema:
                type: object
                required: [notifications]
                properties:
                  notifications: {type: array, items: {$ref: '#/components/schemas/Notification'}}
  /v1/topics:
    get:
      summary: Every topic partition of the log
      operationId: listTopics
      responses:
        '200':
          description: Partitions
          content:
            application/json:
              schema:
                type: object
                required: [partitions]
                properties:
                  partitions: {type: array, items: {$ref: '#/components/schemas/PartitionInfo'}}
  /v1/topics/{name}/records:
    get:
      summary: Peek at records of one partition
      operationId: peekRecords
      parameters:
        - {name: name, in: path, required: true, schema: {type: string}}
        - {name: partition, in: query, schema: {type: integer, minimum: 0, default: 0}}
        - {name: offset, in: query, description: First offset (default the partition start), schema: {type: integer, minimum: 0}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 20}}
      responses:
        '200':
          description: Records
          content: {application/json: {schema: {$ref: '#/components/schemas/RecordPage'}}}
        '400': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
  /v1/groups:
    get:
      summary: Committed offset and lag per consumer group, topic and partition
      operationId: listGroups
      responses:
        '200':
          description: Lag rows
          content:
            application/json:
              schema:
                type: object
                required: [groups]
                properties:
                  groups: {type: array, items: {$ref: '#/components/schemas/GroupLag'}}
  /v1/groups/{group}/pause:
    post:
      summary: Stop a service's consumer group (its members leave; nothing is consumed)
      operationId: pauseGroup
      parameters:
        - {name: group, in: path, required: true, schema: {type: string, enum: [order, checkout, fulfillment]}}
      responses:
        '200': {description: Paused, content: {application/json: {schema: {$ref: '#/components/schemas/GroupState'}}}}
        '404': {$ref: '#/components/responses/Problem'}
  /v1/groups/{group}/resume:
    post:
      summary: Restart a paused consumer group
      operationId: resumeGroup
      parameters:
        - {name: group, in: path, required: true, schema: {type: string, enum: [order, checkout, fulfillment]}}
      responses:
        '200': {description: Running, content: {application/json: {schema: {$ref: '#/components/schemas/GroupState'}}}}
        '404': {$ref: '#/components/responses/Problem'}
  /v1/groups/{group}/reset:
    post:
      summary: Move a paused group's committed offsets
      operationId: resetGroup
      parameters:
        - {name: group, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [to]
              additionalProperties: false
              properties:
                to: {type: string, enum: [earliest, latest, offset]}
                offset: {type: integer, minimum: 0, description: Required when to is offset}
                topic: {type: string, description: Only this topic (default all the group's topics)}
      responses:
        '200':
          description: The group's offsets after the reset
          content:
            application/json:
              schema:
                type: object
                properties:
                  groups: {type: array, items: {$ref: '#/components/schemas/GroupLag'}}
        '400': {$ref: '#/components/responses/Problem'}
        '404': {$ref: '#/components/responses/Problem'}
        '409': {$ref: '#/components/responses/Problem'}
  /v1/dlq:
    get:
      summary: Dead-lettered records of every topic
      operationId: listDeadLetters
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 100}}
      responses:
        '200':
          description: Records, with dlq-* headers saying why and where from, and whether already replayed
          content: {application/json: {schema: {$ref: '#/components/schemas/RecordPage'}}}
  /v1/dlq/replay:
    post:
      summary: Append dead-lettered records back to their original topics
      operationId: replayDeadLetters
      requestBody:
        required: false
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              properties:
                topic: {type: string, description: "Only this dead-letter topic, e.g. order_pending.dlq"}
      responses:
        '200':
          description: How many records were replayed
          content:
            application/json:
              schema:
                type: object
                required: [replayed]
                properties:
                  replayed: {type: integer}
        '404': {$ref: '#/components/responses/Problem'}
  /healthz:
    get:
      summary: Liveness; every service actor and the log answered
      operationId: health
      responses:
        '200': {description: Healthy, content: {application/json: {schema: {$ref: '#/components/schemas/Health'}}}}
        '503': {description: Something did not answer, content: {application/json: {schema: {$ref: '#/components/schemas/Health'}}}}
  /readyz:
    get:
      summary: Readiness; the daemon has recovered and serves requests
      operationId: ready
      responses:
        '200': {description: Ready, content: {application/json: {schema: {$ref: '#/components/schemas/Health'}}}}
        '503': {description: Starting or stopping, content: {application/json: {schema: {$ref: '#/components/schemas/Health'}}}}
  /metrics:
    get:
      summary: Prometheus metrics
      operationId: metrics
      responses:
        '200': {description: Prometheus text format 0.0.4, content: {text/plain: {schema: {type: string}}}}
  /openapi.yaml:
    get:
      summary: This document
      operationId: openapi
      responses:
        '200': {description: The OpenAPI document, content: {application/yaml: {schema: {type: string}}}}
components:
  responses:
    Problem:
      description: An RFC 9457 problem
      content: {application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}}
  schemas:
    Amount:
      type: string
      pattern: '^[0-9]{1,12}(\.[0-9]{1,2})?$'
      description: A decimal amount with at most two decimals, e.g. "12.34"
      examples: ['12.34']
    OrderStatus:
      type: string
      enum: [created, processing, finished, failed, refunded, canceled]
    OrderRequest:
      type: object
      additionalProperties: false
      properties:
        amount: {$ref: '#/components/schemas/Amount'}
        account_id: {type: string, minLength: 1, maxLength: 128}
    StatusChange:
      type: object
      required: [status, at]
      properties:
        status: {$ref: '#/components/schemas/OrderStatus'}
        at: {type: string, format: date-time}
        reason: {type: [string, 'null']}
    Order:
      type: object
      required: [id, status, amount, account_id, created_at, updated_at]
      properties:
        id: {type: string}
        status: {$ref: '#/components/schemas/OrderStatus'}
        amount: {$ref: '#/components/schemas/Amount'}
        account_id: {type: string}
        created_at: {type: string, format: date-time}
        updated_at: {type: string, format: date-time}
        settled: {type: boolean, description: Nothing more will happen to this order}
        history: {type: array, items: {$ref: '#/components/schemas/StatusChange'}}
    OrderPage:
      type: object
      required: [orders]
      properties:
        orders: {type: array, items: {$ref: '#/components/schemas/Order'}}
        next_after: {type: [string, 'null'], description: Pass as `after` for the next page; null at the end}
    Account:
      type: object
      required: [id, balance]
      properties:
        id: {type: string}
        balance: {$ref: '#/components/schemas/Amount'}
    Notification:
      type: object
      required: [id, order_id, kind, message, at]
      properties:
        id: {type: integer}
        order_id: {type: string}
        kind: {type: string, enum: [finished, failed, canceled]}
        message: {type: string}
        at: {type: string, format: date-time}
    PartitionInfo:
      type: object
      required: [topic, partition, start_offset, end_offset, bytes, segments]
      properties:
        topic: {type: string}
        partition: {type: integer}
        start_offset: {type: integer}
        end_offset: {type: integer}
        bytes: {type: integer}
        segments: {type: integer}
    GroupLag:
      type: object
      required: [group, topic, partition, end_offset, lag, members]
      properties:
        group: {type: string}
        topic: {type: string}
        partition: {type: integer}
        committed_offset: {type: [integer, 'null']}
        end_offset: {type: integer}
        lag: {type: integer}
        members: {type: integer}
    GroupState:
      type: object
      required: [group, paused]
      properties:
        group: {type: string}
        paused: {type: boolean}
    LogRecord:
      type: object
      required: [topic, partition, offset, timestamp, key, value, headers]
      properties:
        topic: {type: string}
        partition: {type: integer}
        offset: {type: integer}
        timestamp: {type: string, format: date-time}
        key: {type: string}
        value: {type: string, description: The value as UTF-8 text (invalid bytes replaced)}
        headers: {type: object, additionalProperties: {type: string}}
    RecordPage:
      type: object
      required: [records]
      properties:
        records: {type: array, items: {$ref: '#/components/schemas/LogRecord'}}
    Health:
      type: object
      required: [status, checks]
      properties:
        status: {type: string, enum: [ok, failing, starting, stopping]}
        checks: {type: object, additionalProperties: {type: string}}
    Problem:
      type: object
      required: [type, title, status]
      properties:
        type: {type: string, format: uri-reference, description: Stable identifier of the kind of problem}
        title: {type: string, description: Stable short summary of the kind}
        status: {type: integer}
        detail: {type: string, description: What went wrong this time}
        instance: {type: string, description: The request path}
"""#
}

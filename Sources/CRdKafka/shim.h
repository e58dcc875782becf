// librdkafka (Debian: librdkafka-dev, pkg-config `rdkafka`) for KafkaLog, plus one wrapper:
// rd_kafka_producev is variadic, which Swift cannot call, so produce goes through a fixed-arity
// function that passes the same fields.
#ifndef SAGAD_CRDKAFKA_SHIM_H
#define SAGAD_CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>

/// Produces one record to an explicit partition. `headers` (may be NULL) is owned by librdkafka
/// once this returns RD_KAFKA_RESP_ERR_NO_ERROR; on error the caller still owns it. The key
/// and value are copied; `opaque` comes back in the delivery report.
static inline rd_kafka_resp_err_t sagad_rdkafka_produce(
    rd_kafka_t *rk, const char *topic, int32_t partition, const void *key, size_t key_len,
    const void *value, size_t value_len, rd_kafka_headers_t *headers, int64_t timestamp_ms,
    void *opaque) {
    if (headers) {
        return rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, key_len),
            RD_KAFKA_V_VALUE(value, value_len), RD_KAFKA_V_HEADERS(headers),
            RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    }
    return rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, key_len),
        RD_KAFKA_V_VALUE(value, value_len), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
        RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
}

#endif

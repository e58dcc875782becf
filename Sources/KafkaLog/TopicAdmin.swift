import CRdKafka

extension RdKafkaClient {
    /// Asks the cluster to create `topic` with `partitions` partitions and `replicationFactor`
    /// replicas (-1: the broker's default); an existing topic is left alone (the caller checks it).
    func createTopic(_ topic: String, partitions: Int, replicationFactor: Int32) throws {
        var errorText = [CChar](repeating: 0, count: 512)
        guard let newTopic = rd_kafka_NewTopic_new(topic, Int32(partitions), replicationFactor, &errorText, errorText.count) else {
            throw KafkaLogError.invalidTopicName(topic, reason: text(of: errorText))
        }
        defer { rd_kafka_NewTopic_destroy(newTopic) }
        let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        _ = rd_kafka_AdminOptions_set_operation_timeout(options, requestTimeoutMillis, &errorText, errorText.count)
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        var topics: [OpaquePointer?] = [newTopic]
        rd_kafka_CreateTopics(handle, &topics, 1, options, queue)
        guard let event = rd_kafka_queue_poll(queue, requestTimeoutMillis + 1000) else {
            throw KafkaLogError.timedOut(operation: "creating topic \(topic)")
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        guard eventError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaLogError.client("creating topic \(topic)", eventError, detail: rd_kafka_event_error_string(event).map { String(cString: $0) })
        }
        var count = 0
        guard let result = rd_kafka_event_CreateTopics_result(event),
            let results = rd_kafka_CreateTopics_result_topics(result, &count)
        else { throw KafkaLogError.timedOut(operation: "creating topic \(topic)") }
        for index in 0..<count {
            let code = rd_kafka_topic_result_error(results[index])
            if code == RD_KAFKA_RESP_ERR_NO_ERROR || code == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS { continue }
            let detail = rd_kafka_topic_result_error_string(results[index]).map { String(cString: $0) }
            if code == RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION {
                throw KafkaLogError.invalidTopicName(topic, reason: detail ?? "refused by the broker")
            }
            throw KafkaLogError.client("creating topic \(topic)", code, detail: detail)
        }
    }
}

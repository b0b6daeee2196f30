package com.monogateway.support;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * A Kafka producer interceptor (the client's own plugin point, named in a destination URI's
 * {@code interceptorClasses}) that counts, per topic, the records handed to the producer and not yet
 * acknowledged by the broker: how many a gateway keeps in flight at once, in all and for one key.
 */
public final class KafkaInFlight implements ProducerInterceptor<Object, Object> {

    private static final Map<String, AtomicInteger> NOW = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> MOST = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> MOST_OF_ONE_KEY = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> NOW_BY_KEY = new ConcurrentHashMap<>();
    /** The record key of each record in flight, by its MonoDedupeKey header (the acknowledgement has no key). */
    private static final Map<String, String> KEY_OF = new ConcurrentHashMap<>();

    /** The most records of {@code topic} in flight at one moment. */
    public static int most(String topic) {
        return MOST.getOrDefault(topic, new AtomicInteger()).get();
    }

    /** The most records of one key of {@code topic} in flight at one moment. */
    public static int mostOfOneKey(String topic) {
        return MOST_OF_ONE_KEY.getOrDefault(topic, new AtomicInteger()).get();
    }

    @Override
    public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
        int now = NOW.computeIfAbsent(record.topic(), t -> new AtomicInteger()).incrementAndGet();
        MOST.computeIfAbsent(record.topic(), t -> new AtomicInteger()).accumulateAndGet(now, Math::max);
        if (record.key() != null) {
            KEY_OF.put(dedupeKey(record.headers()), record.topic() + "/" + record.key());
            int ofKey = NOW_BY_KEY.computeIfAbsent(record.topic() + "/" + record.key(), k -> new AtomicInteger()).incrementAndGet();
            MOST_OF_ONE_KEY.computeIfAbsent(record.topic(), t -> new AtomicInteger()).accumulateAndGet(ofKey, Math::max);
        }
        return record;
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception, Headers headers) {
        NOW.computeIfAbsent(metadata.topic(), t -> new AtomicInteger()).decrementAndGet();
        String key = headers == null ? null : KEY_OF.remove(dedupeKey(headers));
        if (key != null) {
            NOW_BY_KEY.get(key).decrementAndGet();
        }
    }

    private static String dedupeKey(Headers headers) {
        Header header = headers.lastHeader("MonoDedupeKey");
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}

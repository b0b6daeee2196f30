package com.monogateway.event;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The event as the exchange body: a map, so that a route can read {@code ${body[data]}} in Simple. It is
 * built from the parsed event only when something reads it; the shipped routes never do, and the
 * conversion was a twentieth of the gateway's CPU (JFR).
 */
public final class EventMap extends AbstractMap<String, Object> {

    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() { };

    private final JsonNode event;
    private final ObjectMapper mapper;
    private Map<String, Object> map;

    public EventMap(JsonNode event, ObjectMapper mapper) {
        this.event = event;
        this.mapper = mapper;
    }

    private Map<String, Object> map() {
        if (map == null) {
            map = mapper.convertValue(event, MAP);
        }
        return map;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        return map().entrySet();
    }

    @Override
    public Object get(Object key) {
        return map().get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        return map().containsKey(key);
    }

    @Override
    public int size() {
        return map().size();
    }

    @Override
    public Object put(String key, Object value) {
        return map().put(key, value);
    }

    @Override
    public Object remove(Object key) {
        return map().remove(key);
    }
}

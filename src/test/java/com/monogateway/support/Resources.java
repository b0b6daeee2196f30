package com.monogateway.support;

import java.util.ArrayList;
import java.util.List;

/** What a test opened (gateways, servers), closed after it, last opened first. */
public final class Resources implements AutoCloseable {

    private final List<AutoCloseable> open = new ArrayList<>();

    public <T extends AutoCloseable> T keep(T resource) {
        open.add(resource);
        return resource;
    }

    @Override
    public void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        open.clear();
    }
}

package com.monogateway.delivery;

import org.apache.camel.component.http.HttpComponent;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.io.HttpClientConnectionManager;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.util.TimeValue;

/**
 * Camel's http and https components with a connection pool that does not serialise its senders: Camel builds the
 * pool with the STRICT policy (one lock over every route's connections), where {@code max-in-flight} senders
 * queued at every lease and release (a sixth of the senders' CPU at full speed). LAX keeps a lock per route and
 * the same limits; everything else is as Camel builds it (TLS, socket and connection settings, the
 * {@code camel.component.http.*} keys).
 */
public final class PooledHttpComponent extends HttpComponent {

    @Override
    protected HttpClientConnectionManager createConnectionManager(TlsSocketStrategy tls, int maxTotalConnections,
            int connectionsPerRoute, SocketConfig socketConfig) {
        ConnectionConfig connectionConfig = ConnectionConfig.custom()
                .setTimeToLive(TimeValue.ofMilliseconds(getConnectionTimeToLive())).build();
        PoolingHttpClientConnectionManagerBuilder pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setTlsSocketStrategy(tls)
                .setPoolConcurrencyPolicy(PoolConcurrencyPolicy.LAX)
                .setDefaultConnectionConfig(connectionConfig)
                .setDefaultSocketConfig(socketConfig);
        int total = maxTotalConnections != 0 ? maxTotalConnections : getMaxTotalConnections();
        if (total > 0) {
            pool.setMaxConnTotal(total);
        }
        int perRoute = connectionsPerRoute != 0 ? connectionsPerRoute : getConnectionsPerRoute();
        if (perRoute > 0) {
            pool.setMaxConnPerRoute(perRoute);
        }
        return pool.build();
    }
}

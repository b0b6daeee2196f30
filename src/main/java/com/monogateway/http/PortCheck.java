package com.monogateway.http;

import com.monogateway.config.SettingsException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Checks before the start that a port can be bound, so that a port already taken stops the start
 * with one clear line instead of a server that logs a BindException while readiness says UP (Camel's
 * management server does exactly that).
 */
public final class PortCheck {

    private PortCheck() {
    }

    public static void requireFree(String host, int port, String keys) {
        if (port == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new SettingsException("port " + port + " on " + host + " is in use or not allowed (" + keys + "): "
                    + e.getMessage());
        }
    }
}

package com.monogateway;

import com.monogateway.config.SettingsException;
import java.util.Properties;

/** Entry point of {@code java -jar mono-webhook-gateway.jar}. */
public final class GatewayMain {

    private GatewayMain() {
    }

    public static void main(String[] args) throws Exception {
        int exit;
        try {
            exit = Gateway.create(new Properties()).run(args);
        } catch (SettingsException e) {
            System.err.println("mono-webhook-gateway cannot start: " + e.getMessage());
            exit = 2;
        }
        System.exit(exit);
    }
}

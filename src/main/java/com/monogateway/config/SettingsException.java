package com.monogateway.config;

/** A configuration value that stops the gateway from starting; the message names the key. */
public class SettingsException extends RuntimeException {
    public SettingsException(String message) {
        super(message);
    }
}

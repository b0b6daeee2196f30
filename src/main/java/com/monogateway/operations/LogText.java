package com.monogateway.operations;

/**
 * Makes text from outside (event types, paths, admin input) safe to put in a log line: control
 * characters, line and paragraph separators and bidirectional overrides are written as {@code \\uXXXX},
 * so nobody can forge a log line or hide text from whoever reads the logs.
 */
public final class LogText {

    private static final int MAX = 2_000;

    private LogText() {
    }

    public static String escape(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = null;
        int length = Math.min(text.length(), MAX);
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (unsafe(c)) {
                if (out == null) {
                    out = new StringBuilder(length + 16).append(text, 0, i);
                }
                out.append(String.format("\\u%04x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        String result = out == null ? text.substring(0, length) : out.toString();
        return text.length() > MAX ? result + "...(" + text.length() + " chars)" : result;
    }

    private static boolean unsafe(char c) {
        return Character.isISOControl(c)
                || c == '\u2028' || c == '\u2029' // line and paragraph separators
                || (c >= '\u202a' && c <= '\u202e') // bidirectional embeddings and overrides
                || (c >= '\u2066' && c <= '\u2069') // bidirectional isolates
                || c == '\u200e' || c == '\u200f' || c == '\u061c'; // directional marks
    }
}

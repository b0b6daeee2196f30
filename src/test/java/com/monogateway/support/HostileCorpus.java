package com.monogateway.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * More than 1,000 hostile requests, as raw HTTP so nothing is cleaned up on the way: malformed and
 * truncated JSON, huge bodies, deep nesting, wrong, missing and oversized secrets, header injection,
 * non-UTF-8 bytes, wrong methods and paths, SQL in every field, wrong types, numbers out of range.
 * Unauthenticated probes carry UNAUTH-MARKER in their body, so a row from one is easy to find.
 */
public final class HostileCorpus {

    private static final Pattern STATUS = Pattern.compile("^HTTP/1\\.1 (\\d{3})");
    private static final String[] SQL = {"'; DROP TABLE webhook_events; --", "\" OR 1=1 --", "1); DELETE FROM payments; --",
            "$$; SELECT pg_sleep(10); $$", "\\'; TRUNCATE accounts; --", "x' UNION SELECT password FROM pg_shadow --"};

    /** One request; {@code authenticated}: it carries the right secret, and only that secret. */
    public record Probe(String name, byte[] request, boolean authenticated) {
    }

    private HostileCorpus() {
    }

    /** The status of a raw answer, or -1 when the server closed the connection without one. */
    public static int status(String answer) {
        Matcher m = STATUS.matcher(answer);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    public static List<Probe> generate(Random random) {
        List<Probe> probes = new ArrayList<>();
        String good = RunningGateway.fixture("payment_failed.json");
        String secret = RunningGateway.SECRET;

        for (int i = 0; i < 200; i++) { // truncated JSON, authenticated
            probes.add(post("truncated-" + i, good.substring(0, random.nextInt(good.length() - 1)), secret, true));
        }
        for (int i = 0; i < 100; i++) { // random bytes, some not UTF-8
            byte[] noise = new byte[1 + random.nextInt(300)];
            random.nextBytes(noise);
            probes.add(raw("noise-" + i, "POST", "/webhooks/mono", List.of("mono-webhook-secret: " + secret,
                    "Content-Type: application/json"), noise, true));
        }
        for (int i = 0; i < 150; i++) { // wrong, missing, oversized, near-miss secrets, with a marker in the body
            String wrong = switch (i % 6) {
                case 0 -> null;
                case 1 -> "";
                case 2 -> secret.substring(0, 1 + random.nextInt(secret.length() - 1));
                case 3 -> secret + "x";
                case 4 -> "x".repeat(4_000 + random.nextInt(20_000));
                default -> secret.toUpperCase();
            };
            probes.add(post("wrong-secret-" + i, good.replace("Wallet Funding", "UNAUTH-MARKER " + i), wrong, false));
        }
        for (int i = 0; i < 60; i++) { // header smuggling: a wrong secret next to the right one; a To header
            probes.add(raw("header-injection-" + i, "POST", "/webhooks/mono",
                    List.of("mono-webhook-secret: wrong-" + i, "mono-webhook-secret: " + secret, "Content-Type: application/json"),
                    good.replace("Wallet Funding", "UNAUTH-MARKER h" + i).getBytes(StandardCharsets.UTF_8), false));
            probes.add(raw("to-header-" + i, "POST", "/webhooks/mono",
                    List.of("mono-webhook-secret: wrong", "To: attacker" + i + "@example.com", "Content-Type: application/json"),
                    good.replace("Wallet Funding", "UNAUTH-MARKER t" + i).getBytes(StandardCharsets.UTF_8), false));
        }
        for (int i = 0; i < 40; i++) { // deep nesting beyond what the parser accepts
            int depth = 1_500 + random.nextInt(5_000);
            probes.add(post("deep-" + i, "{\"event\":\"x\",\"data\":" + "[".repeat(depth) + "]".repeat(depth) + "}", secret, true));
        }
        for (int i = 0; i < 6; i++) { // huge bodies
            probes.add(post("huge-" + i, "{\"event\":\"x\",\"data\":\"" + "a".repeat(1_048_576 + i * 1_000) + "\"}", secret, true));
        }
        String[] methods = {"GET", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "HEAD", "FOO"};
        for (int i = 0; i < 80; i++) { // wrong methods and paths
            String method = methods[i % methods.length];
            String path = i % 2 == 0 ? "/webhooks/mono" : List.of("/", "/webhooks", "/webhooks/mono/x", "/admin/dead-letters",
                    "/webhooks/mono?x=1'--", "/../../etc/passwd", "/webhooks/mono%00").get(i % 7);
            probes.add(raw("method-path-" + i, method, path, List.of("mono-webhook-secret: " + secret),
                    good.replace("Wallet Funding", "UNAUTH-MARKER m" + i).getBytes(StandardCharsets.UTF_8), false));
        }
        for (int i = 0; i < 150; i++) { // SQL in every field: unauthenticated must not land; authenticated land verbatim
            String sql = SQL[i % SQL.length].replace("\\", "\\\\").replace("\"", "\\\"");
            String body = "{\"event\":\"" + sql + "\",\"event_id\":\"" + sql + i + "\",\"data\":{\"object\":{\"id\":\"" + sql
                    + "\",\"amount\":\"" + sql + "\",\"reference\":\"" + sql + "\"}}}";
            boolean auth = i % 2 == 0;
            probes.add(post("sql-" + i, auth ? body : body.replace("\"data\"", "\"note\":\"UNAUTH-MARKER\",\"data\""),
                    auth ? secret : "' OR '1'='1", auth));
        }
        for (int i = 0; i < 150; i++) { // wrong types and out-of-range numbers
            String body = switch (i % 10) {
                case 0 -> "{\"event\":42}";
                case 1 -> "{\"event\":null}";
                case 2 -> "{\"event\":[\"a\"]}";
                case 3 -> "{\"event\":{\"x\":1}}";
                case 4 -> "{\"event\":\"x\",\"event_id\":{\"a\":1}}";
                case 5 -> "{\"event\":\"x\",\"event_id\":true}";
                case 6 -> "{\"event\":\"" + "e".repeat(300) + "\"}";
                case 7 -> "{\"event\":\"a\\u0000b\"}";
                case 8 -> "[{\"event\":\"x\"}]";
                default -> "{\"event\":\"x\",\"event_id\":\"id\\u0007\"}";
            };
            probes.add(post("types-" + i, body, secret, true));
        }
        for (int i = 0; i < 30; i++) { // numbers out of range in otherwise valid events: stored, not a crash
            probes.add(post("numbers-" + i, "{\"event\":\"direct_debit.payment_failed\",\"event_id\":\"num-" + i
                    + "\",\"data\":{\"object\":{\"id\":\"txd_n" + i + "\",\"amount\":1e" + (300 + i * 10) + ",\"fee\":-99999999999999999999999}}}",
                    secret, true));
        }
        return probes;
    }

    private static Probe post(String name, String body, String secret, boolean authenticated) {
        List<String> headers = new ArrayList<>(List.of("Content-Type: application/json"));
        if (secret != null) {
            headers.add("mono-webhook-secret: " + secret);
        }
        return raw(name, "POST", "/webhooks/mono", headers, body.getBytes(StandardCharsets.UTF_8), authenticated);
    }

    private static Probe raw(String name, String method, String path, List<String> headers, byte[] body, boolean authenticated) {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        headers.forEach(h -> head.append(h).append("\r\n"));
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        request.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        request.writeBytes(body);
        return new Probe(name, request.toByteArray(), authenticated);
    }

    /** Sends one probe over a fresh socket and answers the raw response (empty if the server just closed). */
    public static String send(int port, byte[] request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // the server may answer and close before reading a huge body
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            try {
                for (int n; (n = in.read(buffer)) > 0; ) {
                    answer.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // connection reset after the answer
            }
            return answer.toString(StandardCharsets.ISO_8859_1);
        }
    }
}

package com.monogateway.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.monogateway.support.RunningGateway;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The webhook port's edge: where the secret may come from, what an unauthenticated or slow client
 * costs, and that nothing but the webhook is served there.
 */
class HttpEdgeTest {

    private static final long REQUEST_TIMEOUT_MS = 2_000;
    private static RunningGateway gateway;
    private static Properties settings;

    @BeforeAll
    static void start() {
        settings = RunningGateway.defaults();
        settings.setProperty("mono.http.request-timeout", REQUEST_TIMEOUT_MS + "ms");
        settings.setProperty("mono.http.idle-timeout", "4s");
        // Large enough that the old edge (body read first) would have held 1 MiB per connection.
        settings.setProperty("mono.webhook.max-body-bytes", Integer.toString(2 * 1024 * 1024));
        gateway = RunningGateway.start(settings);
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    private static String event() {
        return "{\"event\":\"mono.events.account_connected\",\"event_id\":\"" + UUID.randomUUID() + "\",\"data\":{\"id\":\"acc_edge\"}}";
    }

    private static long stored() {
        return gateway.db().count("SELECT count(*) FROM webhook_events WHERE CAST(body AS jsonb)->'data'->>'id' = 'acc_edge'");
    }

    @Test
    void aSecretInTheQueryStringOrAFormFieldIsNeverAccepted() {
        long before = stored();
        String secret = URLEncoder.encode(RunningGateway.SECRET, StandardCharsets.UTF_8);
        HttpResponse<String> query = RunningGateway.send(HttpRequest.newBuilder(
                URI.create(gateway.webhookUri() + "?mono-webhook-secret=" + secret))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(event())).build());
        assertEquals(401, query.statusCode(), query.body());

        HttpResponse<String> form = RunningGateway.send(HttpRequest.newBuilder(gateway.webhookUri())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("mono-webhook-secret=" + secret + "&event=" + URLEncoder.encode(event(),
                        StandardCharsets.UTF_8))).build());
        assertEquals(401, form.statusCode(), form.body());

        // The right header plus a second one: which one counts would be a guess, so neither does.
        HttpResponse<String> twice = RunningGateway.send(HttpRequest.newBuilder(gateway.webhookUri())
                .header("Content-Type", "application/json").header("mono-webhook-secret", RunningGateway.SECRET)
                .header("mono-webhook-secret", "other").POST(HttpRequest.BodyPublishers.ofString(event())).build());
        assertEquals(401, twice.statusCode());

        // With the right header, a query parameter of the same name changes nothing.
        HttpResponse<String> both = RunningGateway.send(HttpRequest.newBuilder(
                URI.create(gateway.webhookUri() + "?mono-webhook-secret=wrong"))
                .header("Content-Type", "application/json").header("mono-webhook-secret", RunningGateway.SECRET)
                .POST(HttpRequest.BodyPublishers.ofString(event())).build());
        assertEquals(200, both.statusCode(), both.body());
        assertEquals(before + 1, stored(), "only the request with the header was stored");
    }

    @Test
    void theWebhookPortServesTheWebhookAndNothingElse() {
        for (String path : List.of("/admin/dead-letters", "/observe/health", "/observe/metrics", "/")) {
            HttpResponse<String> response = RunningGateway.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + gateway.port() + path)).build());
            assertEquals(404, response.statusCode(), path);
        }
    }

    @Test
    void multipartPartsAreNeverWrittenToDisk() throws IOException {
        // Vert.x's default upload directory, relative to the working directory (the repository root).
        Path uploads = Path.of("file-uploads");
        List<Path> before = listing(uploads);
        String boundary = "b0undary";
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.json\"\r\n"
                + "Content-Type: application/json\r\n\r\n" + event() + "\r\n--" + boundary + "--\r\n";
        HttpResponse<String> response = RunningGateway.send(HttpRequest.newBuilder(gateway.webhookUri())
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("mono-webhook-secret", RunningGateway.SECRET)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertEquals(415, response.statusCode(), response.body());
        assertEquals(before, listing(uploads), "a part was written to " + uploads.toAbsolutePath());
    }

    private static List<Path> listing(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    /**
     * Many clients without the secret: half dribble their headers a byte at a time (never finishing), half
     * send complete headers with a wrong secret and a 1 MiB body. The second half get 401 before they send a
     * byte of the body (so it is neither awaited nor kept), and every connection is closed by the server
     * within the request timeout, so file descriptors come back.
     */
    @Test
    void slowAndUnauthenticatedClientsCostNextToNothingAndAreCutOff() throws Exception {
        int perKind = 40;
        long fdsBefore = socketsOnGatewayPort();
        ExecutorService pool = Executors.newFixedThreadPool(perKind * 2);
        List<Socket> sockets = new ArrayList<>();
        List<Future<Long>> slowHeaders = new ArrayList<>();
        List<Future<String>> bigBodies = new ArrayList<>();
        try {
            for (int i = 0; i < perKind; i++) {
                Socket dribbler = connect(sockets);
                slowHeaders.add(pool.submit(() -> dribbleHeaders(dribbler)));
                Socket sender = connect(sockets);
                bigBodies.add(pool.submit(() -> sendBodyWithWrongSecret(sender, 1024 * 1024)));
            }
            for (Future<String> answer : bigBodies) {
                // Read before a byte of the body was sent: the refusal does not wait for (or keep) the body.
                assertTrue(answer.get(30, TimeUnit.SECONDS).startsWith("HTTP/1.1 401"), "answered 401 before the body was sent");
            }

            for (Future<Long> closedAfter : slowHeaders) {
                long ms = closedAfter.get(30, TimeUnit.SECONDS);
                assertTrue(ms < REQUEST_TIMEOUT_MS + 2_500, "a connection with unfinished headers was closed after " + ms + " ms");
            }
        } finally {
            pool.shutdownNow();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
        // The server's side of every connection is gone too (the client sockets were this JVM's as well).
        // Closing is asynchronous on the server's event loop; give it a moment. Only sockets of the webhook port
        // count: the database pool and other tests' servers may open descriptors meanwhile.
        long fdsAfter = socketsOnGatewayPort();
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                fdsAfter > fdsBefore && System.nanoTime() < deadline; fdsAfter = socketsOnGatewayPort()) {
            Thread.sleep(100);
        }
        assertTrue(fdsAfter <= fdsBefore, "open sockets on the webhook port: " + fdsBefore + " before, " + fdsAfter + " after");
        // And the gateway still serves.
        assertEquals(200, gateway.post(event()).statusCode());
    }

    /**
     * On a kept-alive connection the request timeout counts from the end of the last answer, not from the connection's
     * opening: a request answered late in the first period gives the next one a whole period.
     */
    @Test
    void onAKeptAliveConnectionTheTimeoutCountsFromTheEndOfTheLastAnswer() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            Socket socket = connect(sockets);
            Thread.sleep(REQUEST_TIMEOUT_MS * 6 / 10);
            byte[] body = event().getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /webhooks/mono HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "mono-webhook-secret: " + RunningGateway.SECRET + "\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            String head = readAnswer(socket.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 200"), head);

            long ms = dribbleHeaders(socket);
            assertTrue(ms >= REQUEST_TIMEOUT_MS - 200 && ms < REQUEST_TIMEOUT_MS + 2_500,
                    "the next request was cut off " + ms + " ms after the answer (a period is " + REQUEST_TIMEOUT_MS + " ms)");
        } finally {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }

    /** Reads one answer (its head and its Content-Length body) from a kept-alive connection; answers the head. */
    private static String readAnswer(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c == -1) {
                throw new IOException("closed after " + head);
            }
            head.append((char) c);
        }
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
        if (length.find()) {
            in.readNBytes(Integer.parseInt(length.group(1)));
        } else if (head.toString().toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
            for (int size = chunkSize(in); size > 0; size = chunkSize(in)) {
                in.readNBytes(size + 2); // the chunk and its CRLF
            }
            in.readNBytes(2); // the CRLF after the last, empty chunk
        }
        return head.toString();
    }

    private static int chunkSize(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c == -1) {
                throw new IOException("closed in a chunked body");
            }
            line.append((char) c);
        }
        return Integer.parseInt(line.toString().strip(), 16);
    }

    @Test
    void anUnknownTransferEncodingIsRefusedAndTheRequestSmuggledInItsBodyIsNeverRead() throws Exception {
        String smuggledId = "evt_smuggled_" + UUID.randomUUID();
        String smuggledEvent = "{\"event\":\"mono.events.account_connected\",\"event_id\":\"" + smuggledId
                + "\",\"data\":{\"id\":\"acc_edge\"}}";
        String smuggled = "POST " + settings.getProperty("mono.webhook.path", "/webhooks/mono") + " HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nmono-webhook-secret: " + RunningGateway.SECRET + "\r\nContent-Length: "
                + smuggledEvent.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + smuggledEvent;
        for (String encoding : List.of("xchunked", "chunked, identity", "identity")) {
            List<Socket> sockets = new ArrayList<>();
            try {
                Socket socket = connect(sockets);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /webhooks/mono HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                        + "mono-webhook-secret: " + RunningGateway.SECRET + "\r\nTransfer-Encoding: " + encoding + "\r\n\r\n"
                        + smuggled).getBytes(StandardCharsets.UTF_8));
                out.flush();
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(answer.startsWith("HTTP/1.1 400"), encoding + ": " + answer);
                assertEquals(1, answer.split("HTTP/1.1 ", -1).length - 1, encoding + ": one answer, then closed: " + answer);
            } finally {
                for (Socket socket : sockets) {
                    socket.close();
                }
            }
        }
        assertEquals(0, gateway.db().count("SELECT count(*) FROM webhook_events WHERE event_id = ?", smuggledId));
    }

    private static Socket connect(List<Socket> sockets) throws IOException {
        Socket socket = new Socket("127.0.0.1", gateway.port());
        socket.setSoTimeout(30_000);
        sockets.add(socket);
        return socket;
    }

    /** Sends header bytes slowly (faster than the idle timeout) until the server hangs up; answers after how long. */
    private static long dribbleHeaders(Socket socket) throws IOException, InterruptedException {
        long started = System.nanoTime();
        OutputStream out = socket.getOutputStream();
        out.write("POST /webhooks/mono HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        try {
            while (System.nanoTime() - started < TimeUnit.SECONDS.toNanos(20)) {
                out.write('a');
                out.flush();
                Thread.sleep(400);
                if (socket.getInputStream().available() > 0 || closedByPeer(socket)) {
                    break;
                }
            }
        } catch (SocketException e) {
            // the server closed it: what we wait for
        }
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }

    private static boolean closedByPeer(Socket socket) throws IOException {
        socket.setSoTimeout(1);
        try {
            return socket.getInputStream().read() == -1;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } finally {
            socket.setSoTimeout(30_000);
        }
    }

    /** Complete headers with a wrong secret; answers the status line read before the body is sent, then sends it. */
    private static String sendBodyWithWrongSecret(Socket socket, int length) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("POST /webhooks/mono HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "mono-webhook-secret: wrong\r\nContent-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c != -1 && c != '\r'; c = in.read()) {
            line.append((char) c);
        }
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) ' ');
        try {
            for (int sent = 0; sent < length; sent += chunk.length) {
                out.write(chunk, 0, Math.min(chunk.length, length - sent));
            }
            out.flush();
        } catch (SocketException e) {
            // the server may close once it answered: the body is not wanted
        }
        return line.toString();
    }


    /**
     * This JVM's open sockets (descriptors in /proc/self/fd) whose local or remote port is the webhook port,
     * the listening one included: client and server side of every connection to the gateway live here.
     */
    private static long socketsOnGatewayPort() throws IOException {
        java.util.Set<String> inodes = new java.util.HashSet<>();
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            fds.forEach(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring(8, target.length() - 1));
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            });
        }
        String port = String.format(":%04X", gateway.port());
        long count = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            if (!Files.exists(Path.of(table))) {
                continue;
            }
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if ((f[1].endsWith(port) || f[2].endsWith(port)) && inodes.contains(f[9])) {
                    count++;
                }
            }
        }
        return count;
    }
}

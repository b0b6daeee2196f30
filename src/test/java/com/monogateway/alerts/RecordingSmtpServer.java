package com.monogateway.alerts;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A small real SMTP server for what GreenMail cannot show: every line a client sends, before and after
 * STARTTLS. It offers STARTTLS only when given TLS to offer, accepts any login and counts messages.
 */
final class RecordingSmtpServer implements AutoCloseable {

    /** Put among the received lines where the STARTTLS handshake completed. */
    static final String TLS_STARTED = "[TLS started]";

    private final ServerSocket server;
    private final SSLContext tls;
    private final Thread acceptor;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger messages = new AtomicInteger();

    /** {@code tls}: what STARTTLS upgrades to; null for a server that does not offer STARTTLS. */
    RecordingSmtpServer(SSLContext tls) throws IOException {
        this.tls = tls;
        this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        this.acceptor = new Thread(this::serve, "recording-smtp");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Every line clients sent, in order, with {@link #TLS_STARTED} where a connection turned to TLS. */
    List<String> received() {
        return List.copyOf(received);
    }

    int connections() {
        return connections.get();
    }

    int messages() {
        return messages.get();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                connections.incrementAndGet();
                socket.setSoTimeout(15_000);
                converse(socket);
            } catch (IOException e) {
                // The client hung up (for example after refusing what it was offered), or the server is closing.
            }
        }
    }

    private void converse(Socket plain) throws IOException {
        Socket socket = plain;
        BufferedReader in = reader(socket);
        Writer out = writer(socket);
        reply(out, "220 recording-smtp ESMTP");
        String line;
        while ((line = in.readLine()) != null) {
            received.add(line);
            switch (line.split(" ", 2)[0].toUpperCase(Locale.ROOT)) {
                case "EHLO" -> reply(out, "250-recording-smtp\r\n"
                        + (tls != null && socket == plain ? "250-STARTTLS\r\n" : "") + "250-AUTH PLAIN LOGIN\r\n250 8BITMIME");
                case "STARTTLS" -> {
                    reply(out, "220 ready to start TLS");
                    SSLSocket upgraded = (SSLSocket) tls.getSocketFactory().createSocket(plain, null, plain.getPort(), false);
                    upgraded.setUseClientMode(false);
                    upgraded.startHandshake();
                    received.add(TLS_STARTED);
                    socket = upgraded;
                    in = reader(socket);
                    out = writer(socket);
                }
                case "AUTH" -> authenticate(line, in, out);
                case "DATA" -> {
                    reply(out, "354 end with a line holding only a dot");
                    while ((line = in.readLine()) != null && !line.equals(".")) {
                        received.add(line);
                    }
                    messages.incrementAndGet();
                    reply(out, "250 queued");
                }
                case "QUIT" -> {
                    reply(out, "221 bye");
                    return;
                }
                default -> reply(out, "250 OK"); // HELO, MAIL, RCPT, RSET, NOOP
            }
        }
    }

    /** Takes any credentials, recording the lines that carry them. */
    private void authenticate(String command, BufferedReader in, Writer out) throws IOException {
        String[] words = command.split(" ");
        String mechanism = words.length > 1 ? words[1].toUpperCase(Locale.ROOT) : "";
        int linesToCome = mechanism.equals("LOGIN") ? 2 : 1;
        linesToCome -= words.length > 2 ? 1 : 0; // an initial response came with the command
        for (int i = 0; i < linesToCome; i++) {
            reply(out, "334 ");
            received.add(in.readLine());
        }
        reply(out, "235 2.7.0 accepted");
    }

    private static BufferedReader reader(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    private static Writer writer(Socket socket) throws IOException {
        return new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
    }

    private static void reply(Writer out, String text) throws IOException {
        out.write(text + "\r\n");
        out.flush();
    }

    @Override
    public void close() throws Exception {
        server.close();
        acceptor.join(20_000);
    }
}

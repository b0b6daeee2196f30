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
 * STARTTLS. It offers STARTTLS only when given TLS to offer, or speaks TLS from the first byte (SMTPS);
 * without credentials it accepts any login, with them it checks the login and refuses mail (530) until
 * a client has signed in with them, as a real submission server does. It counts messages.
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
    private final List<String> signedIn = new CopyOnWriteArrayList<>();
    private final boolean implicitTls;
    private final String user;
    private final String password;

    /** {@code tls}: what STARTTLS upgrades to; null for a server that does not offer STARTTLS. */
    RecordingSmtpServer(SSLContext tls) throws IOException {
        this(tls, false, null, null);
    }

    /**
     * @param implicitTls TLS from the first byte (SMTPS) with {@code tls}, instead of STARTTLS
     * @param user        with {@code password}: the only login accepted, and required before MAIL; null: any login, none required
     */
    RecordingSmtpServer(SSLContext tls, boolean implicitTls, String user, String password) throws IOException {
        this.tls = tls;
        this.implicitTls = implicitTls;
        this.user = user;
        this.password = password;
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

    /** The users that signed in successfully, one entry per login. */
    List<String> signedIn() {
        return List.copyOf(signedIn);
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

    private void converse(Socket accepted) throws IOException {
        Socket plain = accepted;
        if (implicitTls) {
            SSLSocket secured = (SSLSocket) tls.getSocketFactory().createSocket(accepted, null, accepted.getPort(), false);
            secured.setUseClientMode(false);
            secured.startHandshake();
            received.add(TLS_STARTED);
            plain = secured;
        }
        Socket socket = plain;
        BufferedReader in = reader(socket);
        Writer out = writer(socket);
        reply(out, "220 recording-smtp ESMTP");
        boolean authenticated = false;
        String line;
        while ((line = in.readLine()) != null) {
            received.add(line);
            switch (line.split(" ", 2)[0].toUpperCase(Locale.ROOT)) {
                case "EHLO" -> reply(out, "250-recording-smtp\r\n"
                        + (tls != null && !implicitTls && socket == plain ? "250-STARTTLS\r\n" : "")
                        + "250-AUTH PLAIN LOGIN\r\n250 8BITMIME");
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
                case "AUTH" -> authenticated = authenticate(line, in, out);
                case "MAIL" -> {
                    if (user != null && !authenticated) {
                        reply(out, "530 5.7.0 Authentication required");
                    } else {
                        reply(out, "250 OK");
                    }
                }
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
                default -> reply(out, "250 OK"); // HELO, RCPT, RSET, NOOP
            }
        }
    }

    /**
     * Records the lines that carry the credentials; without configured credentials takes any, with them
     * checks them (PLAIN: {@code \0user\0password}; LOGIN: user, then password). Answers whether they were taken.
     */
    private boolean authenticate(String command, BufferedReader in, Writer out) throws IOException {
        String[] words = command.split(" ");
        String mechanism = words.length > 1 ? words[1].toUpperCase(Locale.ROOT) : "";
        List<String> responses = new java.util.ArrayList<>();
        if (words.length > 2) {
            responses.add(words[2]); // an initial response came with the command
        }
        int lines = mechanism.equals("LOGIN") ? 2 : 1;
        while (responses.size() < lines) {
            reply(out, "334 ");
            String response = in.readLine();
            received.add(response);
            responses.add(response);
        }
        String who;
        String secret;
        try {
            if (mechanism.equals("LOGIN")) {
                who = decode(responses.get(0));
                secret = decode(responses.get(1));
            } else {
                String[] parts = decode(responses.get(0)).split("\0", -1);
                who = parts.length == 3 ? parts[1] : "";
                secret = parts.length == 3 ? parts[2] : "";
            }
        } catch (IllegalArgumentException e) {
            who = "";
            secret = "";
        }
        if (user != null && !(user.equals(who) && password.equals(secret))) {
            reply(out, "535 5.7.8 authentication failed");
            return false;
        }
        signedIn.add(who);
        reply(out, "235 2.7.0 accepted");
        return true;
    }

    private static String decode(String base64) {
        return new String(java.util.Base64.getDecoder().decode(base64.strip()), StandardCharsets.UTF_8);
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

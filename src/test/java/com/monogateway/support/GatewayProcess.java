package com.monogateway.support;

import static org.awaitility.Awaitility.await;

import com.monogateway.GatewayMain;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The gateway as a separate JVM process, for signals and kills: from the test classpath or the packaged jar. */
public final class GatewayProcess {

    /** Where {@code mvn package} puts the jar users run. */
    public static final Path JAR = Path.of("target", "mono-webhook-gateway.jar");

    /** The management port of each webhook port handed out by {@link #environment}, for {@link #awaitUp}. */
    private static final Map<Integer, Integer> MANAGEMENT_PORTS = new java.util.concurrent.ConcurrentHashMap<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private GatewayProcess() {
    }

    /** The settings every separate gateway gets: database, ports, data directory, the test secret. */
    public static Map<String, String> environment(String dbUrl, int port, Path dataDir) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MONO_WEBHOOK_SECRET", RunningGateway.SECRET);
        env.put("MONO_DB_URL", dbUrl);
        env.put("MONO_DB_USERNAME", "postgres");
        env.put("MONO_DATA_DIR", dataDir.toString());
        env.put("CAMEL_SERVER_PORT", Integer.toString(port));
        env.put("CAMEL_SERVER_HOST", "127.0.0.1");
        int managementPort = RunningGateway.freePort();
        env.put("CAMEL_MANAGEMENT_PORT", Integer.toString(managementPort));
        MANAGEMENT_PORTS.put(port, managementPort);
        env.put("MONO_SHUTDOWN_TIMEOUT", "20s");
        env.put("MONO_PROCESSING_SWEEP_INTERVAL_MS", "500");
        return env;
    }

    /** Starts the main class from the test classpath; output goes to target/{@code name}.log. */
    public static Process start(String dbUrl, int port, Path dataDir, String name) throws IOException {
        return start(environment(dbUrl, port, dataDir), name);
    }

    /** Starts the main class from the test classpath with {@code env} (see {@link #environment}); output goes to target/{@code name}.log. */
    public static Process start(Map<String, String> env, String name) throws IOException {
        return launch(List.of("-cp", System.getProperty("java.class.path"), GatewayMain.class.getName()), env, name);
    }

    /** Starts {@code java -jar target/mono-webhook-gateway.jar}, as a user does; output goes to target/{@code name}.log. */
    public static Process startJar(Map<String, String> env, String name) throws IOException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run mvn package first");
        }
        return launch(List.of("-jar", JAR.toString()), env, name);
    }

    /**
     * Starts the main class from the test classpath in {@code directory} (its application.properties and
     * application-&lt;profile&gt;.properties; routes come from the classpath when it has no routes/).
     */
    public static Process startIn(Path directory, Map<String, String> env, String name) throws IOException {
        return launch(List.of("-cp", System.getProperty("java.class.path"), GatewayMain.class.getName()), env, name, directory);
    }

    private static Process launch(List<String> what, Map<String, String> env, String name) throws IOException {
        return launch(what, env, name, null);
    }

    private static Process launch(List<String> what, Map<String, String> env, String name, Path directory) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m"));
        command.addAll(what);
        Files.createDirectories(Path.of("target"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(new File("target/" + name + ".log").getAbsoluteFile());
        if (directory != null) {
            builder.directory(directory.toFile());
        }
        builder.environment().putAll(env);
        return builder.start();
    }

    /** Waits until the webhook endpoint answers (401 to an unsigned request) and, when its management port is known, the gateway is ready. */
    public static void awaitUp(URI webhook) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() ->
                HTTP.send(HttpRequest.newBuilder(webhook).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 401);
        // The secret is checked before the webhook route has started (a valid webhook then gets 503 "starting"):
        // ready is when the management port says so.
        Integer management = MANAGEMENT_PORTS.get(webhook.getPort());
        if (management != null) {
            URI ready = URI.create("http://127.0.0.1:" + management + "/observe/health/ready");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() ->
                    HTTP.send(HttpRequest.newBuilder(ready).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
        }
    }
}

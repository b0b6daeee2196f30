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

/** The gateway as a separate JVM process (same main class and classpath as the tests), for signals and kills. */
public final class GatewayProcess {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private GatewayProcess() {
    }

    /** Starts it against {@code dbUrl} on {@code port}; output goes to target/{@code name}.log. */
    public static Process start(String dbUrl, int port, Path dataDir, String name) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.createDirectories(Path.of("target"));
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                GatewayMain.class.getName())
                .redirectErrorStream(true)
                .redirectOutput(new File("target/" + name + ".log"));
        var env = builder.environment();
        env.put("MONO_WEBHOOK_SECRET", RunningGateway.SECRET);
        env.put("MONO_DB_URL", dbUrl);
        env.put("MONO_DB_USERNAME", "postgres");
        env.put("MONO_DATA_DIR", dataDir.toString());
        env.put("CAMEL_SERVER_PORT", Integer.toString(port));
        env.put("CAMEL_SERVER_HOST", "127.0.0.1");
        env.put("CAMEL_MANAGEMENT_PORT", Integer.toString(RunningGateway.freePort()));
        env.put("MONO_SHUTDOWN_TIMEOUT", "20s");
        env.put("MONO_PROCESSING_SWEEP_INTERVAL_MS", "500");
        return builder.start();
    }

    /** Waits until the webhook endpoint answers (401 to an unsigned request). */
    public static void awaitUp(URI webhook) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() ->
                HTTP.send(HttpRequest.newBuilder(webhook).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 401);
    }
}

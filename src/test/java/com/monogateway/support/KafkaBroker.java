package com.monogateway.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A real Kafka broker in KRaft mode (broker and controller in one node) in a JVM of its own.
 *
 * <p>Its jars (Kafka 4.x, which needs kafka-clients 4.x) are copied into {@link #LIB} by the build
 * (src/test/kafka-broker/pom.xml); they stay off the test classpath, where camel-kafka's kafka-clients
 * 3.9 lives. The 3.9 client speaks to the 4.x broker over the wire. Output goes to
 * target/kafka-broker-N.log.
 */
public final class KafkaBroker implements AutoCloseable {

    /** Where the build copies the broker and its runtime dependencies. */
    public static final Path LIB = Path.of("target", "kafka-broker", "lib");

    private static final String BROKER_MAIN = "kafka.Kafka";
    private static final String STORAGE_TOOL_MAIN = "kafka.tools.StorageTool";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final AtomicInteger STARTED = new AtomicInteger();

    private final Path directory;
    private final Path config;
    private final Path log;
    private final int brokerPort;
    private final Thread killOnExit;
    private volatile Process process;

    private KafkaBroker(Path directory, int brokerPort, int controllerPort, Path log) throws IOException {
        this.directory = directory;
        this.brokerPort = brokerPort;
        this.log = log;
        this.config = directory.resolve("server.properties");
        Files.writeString(config, serverProperties(brokerPort, controllerPort, directory.resolve("data")));
        // A test that dies before close() must not leave a broker behind holding its ports.
        this.killOnExit = new Thread(() -> {
            if (process != null) {
                process.destroyForcibly();
            }
        }, "kafka-broker-kill");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** Formats a fresh log directory and starts a broker on free ports of 127.0.0.1; returns once it answers. */
    public static KafkaBroker start() throws IOException, InterruptedException {
        if (!brokerCopied()) {
            throw new IllegalStateException(LIB + " holds no broker: the build copies it there (mvn generate-test-resources)");
        }
        Path log = Path.of("target", "kafka-broker-" + STARTED.incrementAndGet() + ".log");
        Files.deleteIfExists(log);
        KafkaBroker broker = new KafkaBroker(Files.createTempDirectory("kafka-broker"),
                RunningGateway.freePort(), RunningGateway.freePort(), log);
        try {
            broker.format();
            broker.launch();
            return broker;
        } catch (IOException | InterruptedException | RuntimeException e) {
            broker.close();
            throw e;
        }
    }

    /** host:port for {@code bootstrap.servers} and camel-kafka's {@code brokers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    /** Shuts the broker down as a service manager would (SIGTERM), forcibly after 15 s. Data and ports are kept. */
    public void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
        }
        process = null;
    }

    /** Kills the broker as a crash would (SIGKILL). Data and ports are kept. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly().waitFor();
            process = null;
        }
    }

    /** Starts the stopped broker again on the same ports and log directory; returns once it answers. */
    public void restart() throws IOException, InterruptedException {
        stop();
        launch();
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Waits at most {@code timeout} for {@code count} records of {@code topic}, read from the beginning of
     * every partition; returns fewer if no more arrive in time. Uses no consumer group: no rebalance to wait for.
     */
    public List<ConsumerRecord<String, byte[]>> consume(String topic, int count, Duration timeout) {
        return read(topic, timeout, (consumer, records) -> records.size() < count);
    }

    /** Every record of {@code topic} written before this call, in partition order. */
    public List<ConsumerRecord<String, byte[]>> readAll(String topic, Duration timeout) {
        return read(topic, timeout, new BiPredicate<>() {
            private Map<TopicPartition, Long> ends;

            @Override
            public boolean test(KafkaConsumer<String, byte[]> consumer, List<ConsumerRecord<String, byte[]>> records) {
                if (ends == null) {
                    ends = consumer.endOffsets(consumer.assignment(), timeout);
                }
                return ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey(), timeout) < e.getValue());
            }
        });
    }

    private List<ConsumerRecord<String, byte[]>> read(String topic, Duration timeout,
            BiPredicate<KafkaConsumer<String, byte[]>, List<ConsumerRecord<String, byte[]>>> more) {
        Map<String, Object> settings = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false,
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings, new StringDeserializer(), new ByteArrayDeserializer())) {
            long deadline = System.nanoTime() + timeout.toNanos();
            List<TopicPartition> partitions = new ArrayList<>();
            // A topic the gateway just created may not be in the metadata yet: an empty answer, not an error.
            while (partitions.isEmpty() && System.nanoTime() < deadline) {
                for (PartitionInfo p : consumer.partitionsFor(topic, timeout)) {
                    partitions.add(new TopicPartition(p.topic(), p.partition()));
                }
                if (partitions.isEmpty()) {
                    RunningGateway.sleep(100);
                }
            }
            if (partitions.isEmpty()) {
                return List.of();
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            while (more.test(consumer, records) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            return records;
        }
    }

    /** The value of a record's last header of that name as UTF-8 text, or null. */
    public static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Kills the broker and deletes its log directory. */
    @Override
    public void close() throws InterruptedException {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException alreadyExiting) {
            // The hook is running or about to: nothing left to undo.
        }
        deleteRecursively(directory);
    }

    private void format() throws IOException, InterruptedException {
        Process formatting = java(STORAGE_TOOL_MAIN, "format", "--cluster-id", Uuid.randomUuid().toString(),
                "--config", config.toString());
        if (!formatting.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            formatting.destroyForcibly();
            throw new IllegalStateException("formatting the broker's storage took over " + START_TIMEOUT + ": see " + log);
        }
        if (formatting.exitValue() != 0) {
            throw new IllegalStateException("formatting the broker's storage failed: see " + log);
        }
    }

    private void launch() throws IOException, InterruptedException {
        process = java(BROKER_MAIN, config.toString());
        awaitAnswering();
    }

    /** Waits until the broker describes its cluster to a client, or fails early if its JVM has ended. */
    private void awaitAnswering() throws InterruptedException {
        Map<String, Object> settings = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2000,
                AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 100,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 200);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try (Admin admin = Admin.create(settings)) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the Kafka broker exited with " + process.exitValue() + ": see " + log);
                }
                try {
                    if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException notYet) {
                    // Not listening yet, or not yet registered with its controller.
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the Kafka broker did not answer within " + START_TIMEOUT + ": see " + log);
                }
                Thread.sleep(100);
            }
        }
    }

    private Process java(String mainClass, String... arguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // Small and quick to start: a test broker holds a few records, and shares 2 cores.
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                "-Djava.awt.headless=true",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                // The full configuration dumps (hundreds of lines per client) bury what matters.
                "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.common.config.AbstractConfig=warn",
                "-cp", LIB.toAbsolutePath() + File.separator + "*",
                mainClass));
        command.addAll(List.of(arguments));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** Whether the build has copied the jar that holds kafka.Kafka. */
    private static boolean brokerCopied() throws IOException {
        if (!Files.isDirectory(LIB)) {
            return false;
        }
        try (Stream<Path> jars = Files.list(LIB)) {
            return jars.anyMatch(p -> p.getFileName().toString().startsWith("kafka_2.13-"));
        }
    }

    private static String serverProperties(int brokerPort, int controllerPort, Path data) {
        return String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + brokerPort,
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + data,
                "auto.create.topics.enable=true",
                "num.partitions=1",
                "default.replication.factor=1",
                "min.insync.replicas=1",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                // A consumer group gets its partitions at once instead of after 3 s.
                "group.initial.rebalance.delay.ms=0",
                // The log cleaner otherwise takes 128 MB of the 256 MB heap for its dedupe buffer.
                "log.cleaner.dedupe.buffer.size=4194304",
                "num.network.threads=2",
                "num.io.threads=2",
                "background.threads=2",
                "");
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

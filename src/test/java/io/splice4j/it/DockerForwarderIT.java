package io.splice4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ContainerNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.output.OutputFrame.OutputType;
import org.testcontainers.containers.startupcheck.StartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;
import org.testcontainers.utility.MountableFile;

/**
 * The packaged forwarder in a Docker container between a client container and a server container,
 * on two Docker networks (client and forwarder on {@code front}, forwarder and server on
 * {@code back}: the client can reach the server only through the forwarder), driven by
 * Testcontainers. Every container is closed by the test that started it.
 *
 * <p>Images ({@code -Dsplice4j.it.image} or {@code SPLICE4J_IT_IMAGE}):
 * <ul>
 * <li>{@code local} (default): {@code splice4j-it-base:bookworm}, a Debian rootfs built without a
 * registry by {@code src/test/scripts/integration-setup.sh base-image}, with this JVM's JDK bind-mounted read-only
 * at {@code /opt/jdk} (so Linux hosts only);
 * <li>{@code dockerfile}: built from {@code docker/Dockerfile} (FROM {@code eclipse-temurin:25-jre},
 * or {@code -Dsplice4j.it.jdk-image}) where a registry is reachable, e.g. Docker Desktop on macOS.
 * </ul>
 * The jar and the helper programs are copied into each container, so a remote engine works too.
 * Without a Docker engine or the image the suite is skipped with the reason; in CI it fails.
 */
@Tag("docker")
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DockerForwarderIT {

    private static final Path JAR = Path.of(System.getProperty("splice4j.jar", "target/splice4j.jar"));
    private static final String IMAGE_MODE = System.getProperty("splice4j.it.image",
            Optional.ofNullable(System.getenv("SPLICE4J_IT_IMAGE")).orElse("local"));
    private static final String BASE_IMAGE = System.getProperty("splice4j.it.base-image", "splice4j-it-base:bookworm");
    private static final String CLASSES = "/opt/splice4j-it/classes";
    /** On every container and network of the suite; its value is the role. */
    private static final String LABEL = "io.splice4j.it";
    private static final int LISTEN_PORT = 8000;
    private static final int SERVER_PORT = 9000;
    private static final long MIB = 1L << 20;
    /** Denies splice(2) with EPERM and allows everything else, as a stricter runtime might. */
    private static final String SECCOMP_DENY_SPLICE = "{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":"
            + "[{\"names\":[\"splice\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1}]}";

    private static Future<String> image;
    private static boolean bindJdk;
    private static Network front;
    private static Network back;

    private final List<Box> started = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        Prerequisites.require(Files.isRegularFile(JAR), "needs the packaged jar " + JAR + " (run it with ./mvnw verify)");
        Prerequisites.require(DockerClientFactory.instance().isDockerAvailable(),
                "needs a Docker engine (none answered: start dockerd or Docker Desktop)");
        DockerClient docker = DockerClientFactory.instance().client();
        switch (IMAGE_MODE) {
            case "local" -> {
                Prerequisites.require(System.getProperty("os.name", "").startsWith("Linux"), "binds this JVM's JDK "
                        + "into Linux containers, so needs a Linux host (elsewhere: -Dsplice4j.it.image=dockerfile)");
                Prerequisites.require(imageExists(docker, BASE_IMAGE), "needs the local image " + BASE_IMAGE
                        + " (build it: sudo src/test/scripts/integration-setup.sh base-image; or -Dsplice4j.it.image=dockerfile)");
                image = CompletableFuture.completedFuture(BASE_IMAGE);
                bindJdk = true;
            }
            case "dockerfile" -> {
                Path dockerfile = projectDir().resolve("docker/Dockerfile");
                Prerequisites.require(Files.isRegularFile(dockerfile), "needs " + dockerfile);
                ImageFromDockerfile built = new ImageFromDockerfile("splice4j-it-jdk", false)
                        .withFileFromPath("Dockerfile", dockerfile)
                        .withFileFromPath("splice4j.jar", JAR);
                String jdkImage = System.getProperty("splice4j.it.jdk-image");
                if (jdkImage != null) {
                    built.withBuildArg("JDK_IMAGE", jdkImage);
                }
                image = built;
                bindJdk = false;
            }
            default -> throw new IllegalArgumentException("-Dsplice4j.it.image wants local or dockerfile, got " + IMAGE_MODE);
        }
        front = labelled(Network.builder()).build();
        back = labelled(Network.builder()).build();
    }

    /** Labels the suite's networks, so that leftovers of a crashed run can be found. */
    private static Network.NetworkImpl.NetworkImplBuilder labelled(Network.NetworkImpl.NetworkImplBuilder builder) {
        return builder.createNetworkCmdModifier(cmd -> {
            Map<String, String> labels = new HashMap<>(Optional.ofNullable(cmd.getLabels()).orElse(Map.of()));
            labels.put(LABEL, "network");
            cmd.withLabels(labels);
        });
    }

    @AfterAll
    static void tearDown() {
        for (Network network : new Network[] {front, back}) {
            if (network != null) {
                network.close();
            }
        }
    }

    @AfterEach
    void closeContainers() {
        List<Box> reversed = new ArrayList<>(started);
        Collections.reverse(reversed);
        for (Box box : reversed) {
            box.close();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Cases

    @Test
    void oneGibThroughTheForwarderContainerArrivesIntactWithZeroCopy() throws Exception {
        Box sink = sink("--reply", "64m");
        Box forwarder = forwarder("zero-copy", null);
        String environment = forwarder.sh("echo pipe-max-size $(cat /proc/sys/fs/pipe-max-size),"
                + " pipe-user-pages-soft $(cat /proc/sys/fs/pipe-user-pages-soft),"
                + " open files $(grep 'Max open files' /proc/1/limits | tr -s ' ' | cut -d' ' -f4-5),"
                + " $(grep -E '^(Seccomp|CapEff):' /proc/1/status | tr -s '\\t\\n' '  ')");
        System.out.println("docker: inside the forwarder container: " + environment);
        assertTrue(environment.contains("Seccomp: 2"), "Docker's default seccomp profile is in force: " + environment);

        long start = System.nanoTime();
        Box source = source("1g");
        double seconds = Output.awaitDelivered(source, sink, start, 1L << 30, 64 * MIB);
        System.out.printf(Locale.ROOT, "docker: 1 GiB + 64 MiB through the forwarder container in %.2f s "
                + "(with the client container's start)%n", seconds);

        String summary = stopForwarder(forwarder);
        assertTrue(summary.contains("1 connections (1 completed, 0 failed"), summary);
        assertTrue(summary.contains("bytes client->upstream " + (1L << 30) + ", upstream->client " + 64 * MIB), summary);
        // splice(2) is allowed by the default seccomp profile: both directions spliced.
        assertTrue(summary.contains("directions by path: ZERO_COPY=2 PORTABLE=0"), summary);
    }

    @Test
    void aServerThatResetsMidStreamEndsTheClientAndLeaksNothing() throws Exception {
        Box sink = sink("--connections", "2", "--reset-after", "8m");
        Box forwarder = forwarder("zero-copy", null);
        Box warmUp = source("1m");
        assertEquals(0, warmUp.awaitExit(Duration.ofSeconds(60)), warmUp.describe() + sink.describe());
        long baseline = ProcFs.settled(forwarder::fdCount);

        Box source = source("1g");
        int exit = source.awaitExit(Duration.ofSeconds(60));
        assertTrue(sink.last(Pattern.compile("reset 1 \\d+")).isPresent(), sink.describe());
        assertNotEquals(0, exit, "the client must see its connection fail: " + source.describe());
        assertTrue(source.last(Pattern.compile("error 0 .*")).isPresent(), source.describe());
        assertFalse(source.last(Pattern.compile("sent 0 .*")).isPresent(), "not everything can have been delivered");

        long fds = ProcFs.awaitAtMost(forwarder::fdCount, baseline, 15);
        assertTrue(fds <= baseline, "forwarder fds " + fds + ", baseline " + baseline + ": " + forwarder.sh("ls -l /proc/1/fd"));
        String summary = stopForwarder(forwarder);
        String log = forwarder.getLogs(OutputType.STDERR);
        System.out.println("docker: the forwarder logged: " + log.strip());
        assertTrue(log.toLowerCase(Locale.ROOT).matches("(?s).*(econnreset|connection reset|epipe|broken pipe).*"),
                "the forwarder logs the reset: " + log);
        // The upstream's reset ends the relay as reset by the upstream, and the client is reset in turn.
        assertTrue(summary.contains("2 connections (1 completed, 0 failed"), summary);
        assertTrue(summary.contains("1 reset by the upstream"), summary);
    }

    @Test
    void whereSeccompDeniesSpliceTheForwarderFallsBackAndSaysWhy() throws Exception {
        Box sink = sink("--reply", "8m");
        Box forwarder = forwarder("auto", box -> box.withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                .withSecurityOpts(List.of("seccomp=" + SECCOMP_DENY_SPLICE))));
        String banner = forwarder.last(Pattern.compile("splice4j: forwarding .*")).orElseThrow().group();
        assertTrue(banner.endsWith("zero-copy off (splice(2) is denied to this process (EPERM; a seccomp profile or "
                + "security module?))"), banner);
        Box source = source("64m");
        assertEquals(0, source.awaitExit(Duration.ofSeconds(60)), source.describe() + sink.describe()
                + forwarder.describe());
        assertEquals(0, sink.awaitExit(Duration.ofSeconds(30)), sink.describe());
        Output.assertDelivered(source, sink, 0, 64 * MIB, 8 * MIB);
        String summary = stopForwarder(forwarder);
        String log = forwarder.getLogs(OutputType.STDERR);
        System.out.println("docker: splice denied by seccomp: " + banner + "\n" + summary.strip() + "\n" + log.strip());
        assertTrue(summary.contains("directions by path: ZERO_COPY=0 PORTABLE=2"), summary);
        assertTrue(summary.contains("fallbacks: SPLICE_DENIED=2"), summary);
        assertTrue(log.contains("zero-copy transfers are off, using the portable copy: splice(2) is denied"), log);
    }

    @Test
    void anUnprivilegedForwarderWithManyConnectionsStaysIntactPastThePipeMemoryLimit() throws Exception {
        // Root in a container has no CAP_SYS_RESOURCE or CAP_SYS_ADMIN, and neither has nobody: past
        // fs.pipe-user-pages-soft (per user, host-wide) new pipes get 2 pages and can't be enlarged.
        int connections = 48;
        Box sink = sink("--connections", Integer.toString(connections + 1), "--reply", "1m");
        Box forwarder = forwarder("zero-copy", box -> box.withCreateContainerCmdModifier(cmd -> cmd.withUser("65534:65534")));
        assertEquals("65534", forwarder.sh("stat -c %u /proc/1"));
        Box warmUp = source("1m");
        assertEquals(0, warmUp.awaitExit(Duration.ofSeconds(60)), warmUp.describe());
        long baseline = ProcFs.settled(forwarder::fdCount);

        Box source = source("16m", "--connections", Integer.toString(connections));
        assertEquals(0, source.awaitExit(Duration.ofSeconds(120)), source.describe() + sink.describe());
        assertEquals(0, sink.awaitExit(Duration.ofSeconds(30)), sink.describe());
        // The sink numbers connections in the order it accepted them, the source in the order it
        // opened them: match them by digest.
        List<String> sent = new ArrayList<>();
        List<String> received = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            sent.add(source.digest("sent", c).toString());
            received.add(sink.digest("received", c + 1).toString());
            assertEquals(1 * MIB, source.digest("received", c).length(), "reply on connection " + c);
        }
        Collections.sort(sent);
        Collections.sort(received);
        assertEquals(sent, received, "every request arrived intact");

        long fds = ProcFs.awaitAtMost(forwarder::fdCount, baseline, 15);
        assertTrue(fds <= baseline, "forwarder fds " + fds + ", baseline " + baseline + ": " + forwarder.sh("ls -l /proc/1/fd"));
        String summary = stopForwarder(forwarder);
        System.out.println("docker: " + connections + " connections as nobody: " + summary.strip());
        assertTrue(summary.contains((connections + 1) + " connections (" + (connections + 1) + " completed, 0 failed"),
                summary);
    }

    @Test
    void aSidecarForwarderServesAUnixSocketOnASharedVolume() throws Exception {
        // A host directory both containers mount: the application's side of the sidecar.
        Path shared = Files.createTempDirectory("splice4j-sidecar-");
        Path socket = shared.resolve("in.sock");
        try {
            Box sink = sink("--reply", "64m");
            Box forwarder = forwarder("zero-copy", box -> box.withFileSystemBind(shared.toString(), "/shared")
                    .withCommand("-jar", "/opt/splice4j/splice4j.jar", "--listen", "unix:/shared/in.sock",
                            "--unix-mode", "666", "--connect", "server:" + SERVER_PORT, "--mode", "zero-copy"));
            String banner = forwarder.last(Pattern.compile("splice4j: forwarding .*")).orElseThrow().group();
            assertTrue(banner.startsWith("splice4j: forwarding unix:/shared/in.sock -> server/")
                    && banner.endsWith("zero-copy on"), banner);
            assertTrue(Files.exists(socket), "the socket is on the shared volume");

            long start = System.nanoTime();
            Box source = source(List.of("unix:/shared/in.sock", "0", "1g"),
                    new Box(image, "client").withFileSystemBind(shared.toString(), "/shared"));
            double seconds = Output.awaitDelivered(source, sink, start, 1L << 30, 64 * MIB);
            System.out.printf(Locale.ROOT, "docker: 1 GiB + 64 MiB from a client container through a sidecar's "
                    + "Unix socket in %.2f s (with the client container's start)%n", seconds);

            String summary = stopForwarder(forwarder);
            Output.assertSplicedBothWays(summary, 1L << 30, 64 * MIB);
            assertFalse(Files.exists(socket), "the forwarder removed its socket file when stopped");
        } finally {
            Files.deleteIfExists(socket);
            Files.delete(shared);
        }
    }

    @Test
    void aSidecarForwarderReachesItsApplicationThroughAUnixSocketOnASharedVolume() throws Exception {
        // The reverse sidecar: clients come in over TCP, the application listens on a Unix socket
        // in a directory its container shares with the forwarder's.
        Path shared = Files.createTempDirectory("splice4j-sidecar-");
        Path socket = shared.resolve("app.sock");
        try {
            Box sink = start(new Box(image, "server").withFileSystemBind(shared.toString(), "/shared")
                    .withCommand(helper(Sink.class, "unix:/shared/app.sock", "--reply", "64m").toArray(String[]::new))
                    .waitingFor(Wait.forLogMessage("listening unix:/shared/app.sock\\n", 1)));
            Box forwarder = forwarder("zero-copy", box -> box.withFileSystemBind(shared.toString(), "/shared")
                    .withCommand("-jar", "/opt/splice4j/splice4j.jar", "--listen", "0.0.0.0:" + LISTEN_PORT,
                            "--connect", "unix:/shared/app.sock", "--mode", "zero-copy"));
            String banner = forwarder.last(Pattern.compile("splice4j: forwarding .*")).orElseThrow().group();
            assertTrue(banner.contains(":" + LISTEN_PORT + " -> unix:/shared/app.sock, mode ZERO_COPY, ")
                    && banner.endsWith("zero-copy on"), banner);

            long start = System.nanoTime();
            Box source = source("1g");
            double seconds = Output.awaitDelivered(source, sink, start, 1L << 30, 64 * MIB);
            System.out.printf(Locale.ROOT, "docker: 1 GiB + 64 MiB from a TCP client through a sidecar to its "
                    + "application's Unix socket in %.2f s (with the client container's start)%n", seconds);

            String summary = stopForwarder(forwarder);
            Output.assertSplicedBothWays(summary, 1L << 30, 64 * MIB);
        } finally {
            Files.deleteIfExists(socket);
            Files.delete(shared);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Containers

    /** A container of the suite: the chosen image, the helpers and the jar copied in, java as entrypoint. */
    static final class Box extends GenericContainer<Box> implements Output {

        private Network alsoOn;
        private String alsoAs;

        Box(Future<String> image, String role) {
            super(image);
            withCopyFileToContainer(MountableFile.forHostPath(NetnsForwarderIT.testClasses()), CLASSES);
            withCopyFileToContainer(MountableFile.forHostPath(JAR), "/opt/splice4j/splice4j.jar");
            withCreateContainerCmdModifier(cmd -> cmd.withEntrypoint("/opt/jdk/bin/java"));
            withStartupTimeout(Duration.ofSeconds(90));
            if (bindJdk) {
                withFileSystemBind(Path.of(System.getProperty("java.home")).toString(), "/opt/jdk", BindMode.READ_ONLY);
            }
            withLabel(LABEL, role);
        }

        /** Also attaches the container to {@code network} under {@code alias}, before it starts. */
        Box alsoOn(Network network, String alias) {
            alsoOn = network;
            alsoAs = alias;
            return this;
        }

        @Override
        protected void containerIsCreated(String containerId) {
            if (alsoOn != null) {
                getDockerClient().connectToNetworkCmd().withContainerId(containerId).withNetworkId(alsoOn.getId())
                        .withContainerNetwork(new ContainerNetwork().withAliases(alsoAs)).exec();
            }
        }

        @Override
        public Optional<Matcher> last(Pattern pattern) {
            List<String> lines = Arrays.asList(getLogs(OutputType.STDOUT).split("\n"));
            Collections.reverse(lines);
            for (String line : lines) {
                Matcher matcher = pattern.matcher(line.strip());
                if (matcher.matches()) {
                    return Optional.of(matcher);
                }
            }
            return Optional.empty();
        }

        @Override
        public String describe() {
            return "--- container " + getLabels().get(LABEL) + " stdout:\n" + getLogs(OutputType.STDOUT)
                    + "\n--- stderr:\n" + getLogs(OutputType.STDERR);
        }

        /** Waits until the container exits by itself; returns its exit code. */
        @Override
        public int awaitExit(Duration timeout) {
            return getDockerClient().waitContainerCmd(getContainerId()).start()
                    .awaitStatusCode(timeout.toMillis(), TimeUnit.MILLISECONDS);
        }

        /** Runs a shell command inside; returns its standard output, stripped. */
        String sh(String command) throws IOException, InterruptedException {
            ExecResult result = execInContainer("sh", "-c", command);
            assertEquals(0, result.getExitCode(), command + ": " + result.getStderr());
            return result.getStdout().strip();
        }

        /**
         * The forwarder's (PID 1's) open fds other than pipes, read from {@code /proc/1/fd} inside
         * the container: its engine keeps empty pipes pooled for later relays, which is no leak.
         */
        long fdCount() {
            try {
                return Long.parseLong(sh("ls -l /proc/1/fd | grep -e '->' | grep -vc 'pipe:'"));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private Box start(Box box) {
        started.add(box);
        box.start();
        return box;
    }

    private static List<String> helper(Class<?> main, String... args) {
        List<String> command = new ArrayList<>(List.of("-XX:+UseSerialGC", "-Xmx256m", "-cp", CLASSES, main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    private Box sink(String... options) {
        List<String> args = new ArrayList<>(List.of(Integer.toString(SERVER_PORT)));
        args.addAll(List.of(options));
        return start(new Box(image, "server").withNetwork(back).withNetworkAliases("server")
                .withCommand(helper(Sink.class, args.toArray(String[]::new)).toArray(String[]::new))
                .waitingFor(Wait.forLogMessage("listening " + SERVER_PORT + "\\n", 1)));
    }

    private Box forwarder(String mode, java.util.function.Consumer<Box> customize) {
        // Connection lines too: a reset ends one connection, and it is logged only then.
        Box box = new Box(image, "forwarder").withNetwork(front).withNetworkAliases("forwarder").alsoOn(back, "forwarder")
                .withCommand("-jar", "/opt/splice4j/splice4j.jar", "--listen", "0.0.0.0:" + LISTEN_PORT,
                        "--connect", "server:" + SERVER_PORT, "--mode", mode, "--log-connections")
                .waitingFor(Wait.forLogMessage("splice4j: forwarding .*\\n", 1));
        if (customize != null) {
            customize.accept(box);
        }
        start(box);
        String banner = box.last(Pattern.compile("splice4j: forwarding .*")).orElseThrow().group();
        assertTrue(customize != null || banner.endsWith("zero-copy on"), banner);
        return box;
    }

    /** A client container; it may exit before start() returns, so its start check never waits. */
    private Box source(String size, String... options) {
        List<String> args = new ArrayList<>(List.of("forwarder", Integer.toString(LISTEN_PORT), size));
        args.addAll(List.of(options));
        return source(args, new Box(image, "client").withNetwork(front));
    }

    private Box source(List<String> args, Box box) {
        return start(box
                .withCommand(helper(Source.class, args.toArray(String[]::new)).toArray(String[]::new))
                .withStartupCheckStrategy(new StartupCheckStrategy() {
                    @Override
                    public StartupStatus checkStartupState(DockerClient client, String containerId) {
                        return StartupStatus.SUCCESSFUL;
                    }
                }));
    }

    /** Stops the forwarder container (SIGTERM to its java), checks it exited 0, returns its summary. */
    private static String stopForwarder(Box forwarder) throws InterruptedException {
        ProcFs.settled(forwarder::fdCount);
        DockerClient docker = forwarder.getDockerClient();
        docker.stopContainerCmd(forwarder.getContainerId()).withTimeout(30).exec();
        Long exit = docker.inspectContainerCmd(forwarder.getContainerId()).exec().getState().getExitCodeLong();
        assertEquals(0L, exit, forwarder.describe());
        String out = forwarder.getLogs(OutputType.STDOUT);
        assertTrue(out.contains("splice4j summary:"), forwarder.describe());
        return out;
    }

    private static boolean imageExists(DockerClient docker, String name) {
        try {
            docker.inspectImageCmd(name).exec();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static Path projectDir() {
        return Path.of(System.getProperty("basedir", "."));
    }
}

package io.splice4j.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Three network namespaces, client, proxy and server, joined by two veth pairs, built with Debian's
 * iproute2 and torn down with it:
 *
 * <pre>
 *   client [c0 10.200.1.2/24] ---- [p0 10.200.1.1/24] proxy [p1 10.200.2.1/24] ---- [s0 10.200.2.2/24] server
 * </pre>
 *
 * No namespace has a default route and the proxy doesn't forward IP, so the only way from client to
 * server is through a process listening in the proxy. Namespaces are named {@code s4jit-PID-x}
 * after the test JVM's PID; namespaces left by a JVM that no longer runs (a crashed run) are
 * removed, with any process still in them, before a new topology is built.
 */
final class NetnsTopology implements AutoCloseable {

    static final String CLIENT_IP = "10.200.1.2";
    static final String PROXY_FRONT_IP = "10.200.1.1";
    static final String PROXY_BACK_IP = "10.200.2.1";
    static final String SERVER_IP = "10.200.2.2";

    private static final String PREFIX = "s4jit-";
    private static final Pattern OURS = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)-[cps]");
    private static final List<String> SEARCH_PATH = searchPath();

    final String client;
    final String proxy;
    final String server;
    private final List<String> namespaces;

    private NetnsTopology(String id) {
        client = id + "-c";
        proxy = id + "-p";
        server = id + "-s";
        namespaces = List.of(client, proxy, server);
    }

    /** The result of a command: exit code and both outputs together. */
    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    /** Finds a program on PATH or in the sbin folders, where root's tools live. */
    static Optional<Path> tool(String name) {
        return SEARCH_PATH.stream().map(dir -> Path.of(dir, name)).filter(Files::isExecutable).findFirst();
    }

    private static List<String> searchPath() {
        List<String> dirs = new ArrayList<>(Arrays.asList(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        dirs.removeIf(String::isEmpty);
        return dirs;
    }

    /** Runs a command to its end (at most 30 s) and returns its exit code and output. */
    static Result run(List<String> command) {
        List<String> resolved = new ArrayList<>(command);
        tool(command.get(0)).ifPresent(path -> resolved.set(0, path.toString()));
        try {
            Process process = new ProcessBuilder(resolved).redirectErrorStream(true).start();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, "timed out: " + command);
            }
            return new Result(process.exitValue(), output.join().strip());
        } catch (IOException e) {
            return new Result(-1, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, e.toString());
        }
    }

    static Result run(String... command) {
        return run(List.of(command));
    }

    /** Runs a command that must succeed. */
    static String must(String... command) {
        Result result = run(command);
        if (!result.ok()) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + result.exit() + "): "
                    + result.output());
        }
        return result.output();
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /**
     * Why this machine can't build a topology, if it can't: needs Linux, iproute2 and the right to
     * add namespaces (root).
     */
    static Optional<String> unavailableReason() {
        if (!System.getProperty("os.name", "").startsWith("Linux")) {
            return Optional.of("needs Linux network namespaces (this is " + System.getProperty("os.name") + ")");
        }
        if (tool("ip").isEmpty()) {
            return Optional.of("needs root and ip netns (no ip command: install iproute2)");
        }
        String probe = PREFIX + ProcessHandle.current().pid() + "-probe";
        Result added = run("ip", "netns", "add", probe);
        if (!added.ok()) {
            return Optional.of("needs root and ip netns (ip netns add: " + firstLine(added.output()) + ")");
        }
        run("ip", "netns", "del", probe);
        return Optional.empty();
    }

    static String firstLine(String text) {
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }

    /** Removes the leftovers of a crashed run, then builds a new topology. */
    static NetnsTopology create() {
        removeLeftovers();
        NetnsTopology net = new NetnsTopology(PREFIX + ProcessHandle.current().pid());
        try {
            for (String ns : net.namespaces) {
                must("ip", "netns", "add", ns);
                must("ip", "-n", ns, "link", "set", "lo", "up");
                noForwarding(ns);
                // The kernel's own defaults, whatever the host tuned, where /proc/sys is writable.
                run("ip", "netns", "exec", ns, "sh", "-c", "echo 4096 131072 6291456 > /proc/sys/net/ipv4/tcp_rmem"
                        + " && echo 4096 16384 4194304 > /proc/sys/net/ipv4/tcp_wmem");
            }
            must("ip", "-n", net.proxy, "link", "add", "p0", "type", "veth", "peer", "name", "c0", "netns", net.client);
            must("ip", "-n", net.proxy, "link", "add", "p1", "type", "veth", "peer", "name", "s0", "netns", net.server);
            net.address(net.client, "c0", CLIENT_IP);
            net.address(net.proxy, "p0", PROXY_FRONT_IP);
            net.address(net.proxy, "p1", PROXY_BACK_IP);
            net.address(net.server, "s0", SERVER_IP);
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /**
     * A new namespace may inherit IP forwarding from the host (Docker turns it on there): turn it off,
     * or, where {@code /proc/sys} is read-only (an unprivileged container), drop forwarded packets.
     * Without routes the client can't reach the server anyway; this makes sure of it.
     */
    private static void noForwarding(String ns) {
        Result sysctl = run("ip", "netns", "exec", ns, "sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward");
        if (!sysctl.ok()) {
            if (tool("iptables").isEmpty()) {
                throw new IllegalStateException("can't turn IP forwarding off in " + ns + ": " + sysctl.output());
            }
            must("ip", "netns", "exec", ns, "iptables", "-P", "FORWARD", "DROP");
        }
    }

    private void address(String ns, String dev, String ip) {
        must("ip", "-n", ns, "addr", "add", ip + "/24", "dev", dev);
        must("ip", "-n", ns, "link", "set", dev, "up");
    }

    /** The command line that runs {@code command} inside namespace {@code ns}. */
    List<String> in(String ns, List<String> command) {
        List<String> full = new ArrayList<>(List.of(tool("ip").map(Path::toString).orElse("ip"), "netns", "exec", ns));
        full.addAll(command);
        return full;
    }

    Result runIn(String ns, String... command) {
        return run(in(ns, List.of(command)));
    }

    String mustIn(String ns, String... command) {
        return must(in(ns, List.of(command)).toArray(String[]::new));
    }

    /** Sets the MTU of all four veth ends. */
    void mtu(int mtu) {
        String value = Integer.toString(mtu);
        must("ip", "-n", client, "link", "set", "c0", "mtu", value);
        must("ip", "-n", proxy, "link", "set", "p0", "mtu", value);
        must("ip", "-n", proxy, "link", "set", "p1", "mtu", value);
        must("ip", "-n", server, "link", "set", "s0", "mtu", value);
    }

    /** A token-bucket rate limit on the proxy's link to the server, toward the server. */
    void rateLimitToServer(String rate) {
        must("tc", "-n", proxy, "qdisc", "replace", "dev", "p1", "root", "tbf", "rate", rate, "burst", "128kb",
                "latency", "50ms");
    }

    /** Turns segmentation offloads off on the proxy-server link, so packet rules see real packets. */
    void offloadsOff() {
        mustIn(proxy, "ethtool", "-K", "p1", "tso", "off", "gso", "off", "gro", "off");
        mustIn(server, "ethtool", "-K", "s0", "tso", "off", "gso", "off", "gro", "off");
    }

    /** Drops packets at random, both ways, on the server's interface. */
    void randomLossAtServer(double probability) {
        String p = Double.toString(probability);
        mustIn(server, "iptables", "-A", "INPUT", "-i", "s0", "-m", "statistic", "--mode", "random",
                "--probability", p, "-j", "DROP");
        mustIn(server, "iptables", "-A", "OUTPUT", "-o", "s0", "-m", "statistic", "--mode", "random",
                "--probability", p, "-j", "DROP");
    }

    /** The server's kernel answers every further segment to {@code port} with a TCP RST. */
    void serverResets(int port) {
        mustIn(server, "iptables", "-I", "INPUT", "-p", "tcp", "--dport", Integer.toString(port), "-j", "REJECT",
                "--reject-with", "tcp-reset");
    }

    /** Undoes every shaping and rule above. */
    void resetShaping() {
        mtu(1500);
        run("tc", "-n", proxy, "qdisc", "del", "dev", "p1", "root");
        if (tool("iptables").isPresent()) {
            for (String ns : namespaces) {
                runIn(ns, "iptables", "-F");
            }
        }
        if (tool("ethtool").isPresent()) {
            // The veth defaults.
            runIn(proxy, "ethtool", "-K", "p1", "tso", "on", "gso", "on", "gro", "off");
            runIn(server, "ethtool", "-K", "s0", "tso", "on", "gso", "on", "gro", "off");
        }
    }

    /** PIDs of processes running in namespace {@code ns}. */
    static List<Long> pids(String ns) {
        Result result = run("ip", "netns", "pids", ns);
        List<Long> pids = new ArrayList<>();
        if (result.ok()) {
            for (String line : result.output().split("\\s+")) {
                if (!line.isBlank()) {
                    pids.add(Long.parseLong(line.strip()));
                }
            }
        }
        return pids;
    }

    /** Kills (SIGKILL, by PID) whatever still runs in namespace {@code ns}; returns their PIDs. */
    private static List<Long> killAllIn(String ns) {
        List<Long> pids = pids(ns);
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(handle -> handle.onExit().orTimeout(5, TimeUnit.SECONDS)
                    .exceptionally(e -> handle).join());
        }
        return pids;
    }

    /** Namespaces whose owning JVM is gone: the leftovers of a crashed run. */
    static void removeLeftovers() {
        Result list = run("ip", "netns", "list");
        if (!list.ok()) {
            return;
        }
        for (String line : list.output().split("\n")) {
            String name = line.strip().split("\\s+")[0];
            Matcher ours = OURS.matcher(name);
            if (ours.matches() && ProcessHandle.of(Long.parseLong(ours.group(1))).map(ProcessHandle::isAlive)
                    .orElse(false) == Boolean.FALSE) {
                killAllIn(name);
                run("ip", "netns", "del", name);
            }
        }
    }

    /**
     * Deletes the namespaces (which deletes their veths, qdiscs and iptables rules).
     *
     * @throws IllegalStateException if a process was still running in one (it is killed first)
     */
    @Override
    public void close() {
        List<String> leftovers = new ArrayList<>();
        for (String ns : namespaces) {
            List<Long> killed = killAllIn(ns);
            if (!killed.isEmpty()) {
                leftovers.add(ns + ": " + killed);
            }
            run("ip", "netns", "del", ns);
        }
        if (!leftovers.isEmpty()) {
            throw new IllegalStateException("processes were left running and had to be killed: " + leftovers);
        }
    }
}

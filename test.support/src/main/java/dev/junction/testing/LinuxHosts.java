package dev.junction.testing;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Real Linux hosts for a test to reach Junction through: each a network namespace with the kernel's
 * own stack, wired by a veth pair whose outer end Junction attaches to. {@link #close()} removes every
 * namespace and link made here, and stops what still runs in the namespaces, whether the test passed
 * or not: a leftover namespace or veth would break the next run, which uses the same names.
 */
public final class LinuxHosts implements AutoCloseable {
    private final List<String> namespaces = new ArrayList<>();
    private final List<String> links = new ArrayList<>();

    /** An empty network namespace (only {@code lo}, down), for a test to move an interface into. */
    public void namespace(String name) throws IOException, InterruptedException {
        namespaces.add(name);
        must("ip", "netns", "add", name);
    }

    /**
     * A host: namespace {@code namespace} whose {@code e0} (up, with {@code lo}) is the peer of
     * {@code link}, which is left up outside for Junction to attach to. IPv6 is off on {@code link},
     * so that the kernel sends nothing of its own there (Junction's interfaces speak for themselves);
     * segmentation offloads are off on {@code e0}, as a GSO super-frame does not fit a packet buffer
     * (checksum offload stays on: the AF_PACKET driver completes partial checksums).
     */
    public Host host(String namespace, String link) throws IOException, InterruptedException {
        return host(namespace, link, 1);
    }

    /**
     * As {@link #host(String, String)}, with {@code queues} receive and transmit queues on both ends
     * of the veth pair: the sending end picks a queue by flow hash, and the receiving end sees the
     * frame on the queue of that number.
     */
    public Host host(String namespace, String link, int queues) throws IOException, InterruptedException {
        namespace(namespace);
        links.add(link);
        String q = Integer.toString(queues);
        must("ip", "link", "add", link, "numtxqueues", q, "numrxqueues", q, "type", "veth",
                "peer", "name", "e0", "netns", namespace, "numtxqueues", q, "numrxqueues", q);
        must("sysctl", "-qw", "net.ipv6.conf." + link + ".disable_ipv6=1");
        must("ip", "link", "set", link, "up");
        must(ns(namespace, "ip", "link", "set", "lo", "up"));
        must(ns(namespace, "ip", "link", "set", "e0", "up"));
        must(ns(namespace, "ethtool", "-K", "e0", "tso", "off", "gso", "off"));
        return new Host(namespace);
    }

    /** A host made by {@link #host}, to give addresses and routes on its {@code e0}. */
    public static final class Host {
        private final String namespace;

        private Host(String namespace) {
            this.namespace = namespace;
        }

        /** Adds {@code cidr} to e0; an IPv6 address without duplicate address detection, so usable at once. */
        public Host address(String cidr) throws IOException, InterruptedException {
            if (cidr.contains(":")) {
                must(ns(namespace, "ip", "addr", "add", cidr, "dev", "e0", "nodad"));
            } else {
                must(ns(namespace, "ip", "addr", "add", cidr, "dev", "e0"));
            }
            return this;
        }

        /** Routes everything of {@code gateway}'s family (IPv4 or IPv6) through {@code gateway}. */
        public Host defaultRoute(String gateway) throws IOException, InterruptedException {
            if (gateway.contains(":")) {
                must(ns(namespace, "ip", "-6", "route", "add", "default", "via", gateway));
            } else {
                must(ns(namespace, "ip", "route", "add", "default", "via", gateway));
            }
            return this;
        }
    }

    /**
     * Stops the processes left in the namespaces (daemons, servers of a test that failed), then
     * deletes the namespaces (the veth pairs go with them) and any link left outside. Goes on past a
     * failure, so that one stuck namespace does not leave the others behind, and reports it after.
     */
    @Override
    public void close() throws IOException, InterruptedException {
        IOException failure = null;
        for (String n : namespaces.reversed()) {
            try {
                stopProcessesIn(n);
                run(20, "ip", "netns", "del", n);
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        for (String l : links.reversed()) {
            try {
                run(20, "ip", "link", "del", l);
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        namespaces.clear();
        links.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /** SIGTERM to every process in {@code namespace}, and half a second later SIGKILL to those left. */
    private static void stopProcessesIn(String namespace) throws IOException, InterruptedException {
        List<ProcessHandle> left = run(20, "ip", "netns", "pids", namespace).out().lines()
                .filter(l -> l.strip().matches("\\d+"))
                .map(l -> ProcessHandle.of(Long.parseLong(l.strip())))
                .flatMap(Optional::stream)
                .toList();
        left.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        for (ProcessHandle p : left) {
            try {
                p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException | ExecutionException e) {
                p.destroyForcibly();
            }
        }
    }
}

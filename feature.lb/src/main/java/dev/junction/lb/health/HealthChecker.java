package dev.junction.lb.health;

import dev.junction.lb.LoadBalancer;
import dev.junction.lb.control.Addresses;
import dev.junction.lb.control.LbControl;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.ToIntFunction;

/**
 * The health checks' control side, run every few milliseconds on its own control thread
 * ({@link #run}): per checked backend, a probe every interval (never two at once), its outcome read
 * from the {@link ProbeSlots} or a timeout, the {@link HealthState} it moves, and, when a backend enters
 * or leaves the table, the set of down backends handed to {@link LbControl#down}, which rebuilds the
 * Maglev tables off the workers as drain and removal do. Services without health settings are not
 * probed and behave as before.
 */
public final class HealthChecker {
    public static final int DEFAULT_INTERVAL_MS = 1000, DEFAULT_TIMEOUT_MS = 500, DEFAULT_FALL = 3, DEFAULT_RISE = 2;

    /** The source address of probes to {@code address} in {@code vrf}: the router's address on the way there, or null. */
    public interface Sources {
        String source(String vrf, String address, int family);
    }

    private static final class Checked {
        final HealthState state = new HealthState();
        final int slot;
        int isn;
        boolean outstanding;
        long sentAt, nextAt;

        Checked(int slot) {
            this.slot = slot;
        }
    }

    private final LbControl lb;
    private final ProbeSlots slots;
    private final ToIntFunction<String> vrfId;
    private final Sources sources;
    private final Map<String, LoadBalancer.HealthSpec> specs = new TreeMap<>();
    /** By {@code SERVICE KEY}. */
    private final Map<String, Checked> checked = new HashMap<>();
    private final boolean[] slotUsed = new boolean[ProbeSlots.SLOTS];
    private Set<String> down = Set.of();
    private int portTurn;

    public HealthChecker(LbControl lb, ProbeSlots slots, ToIntFunction<String> vrfId, Sources sources) {
        this.lb = lb;
        this.slots = slots;
        this.vrfId = vrfId;
        this.sources = sources;
    }

    /** Checked whole, defaults filled in; throws saying what was wrong and the right form. */
    public static LoadBalancer.HealthSpec normalise(LoadBalancer.HealthSpec h) {
        if (h.service() == null || !h.service().matches("[A-Za-z][A-Za-z0-9_.-]{0,29}")) {
            throw new IllegalArgumentException("service name '" + h.service() + "': a letter, then letters, digits, '_', '.', '-'");
        }
        String probe = h.probe() == null ? "tcp" : h.probe();
        if (!probe.equals("tcp") && !probe.equals("http")) {
            throw new IllegalArgumentException("probe '" + probe + "': say tcp (a TCP handshake) or http (a GET)");
        }
        String path = h.path();
        if (probe.equals("tcp") && path != null) {
            throw new IllegalArgumentException("path= is for probe=http");
        }
        if (probe.equals("http")) {
            path = path == null ? "/" : path;
            if (!path.matches("/[\\x21-\\x7e]{0,63}")) {
                throw new IllegalArgumentException("path '" + path + "': '/' then up to 63 printable characters, no spaces");
            }
        }
        int interval = h.intervalMillis() == 0 ? DEFAULT_INTERVAL_MS : h.intervalMillis();
        int timeout = h.timeoutMillis() == 0 ? Math.min(DEFAULT_TIMEOUT_MS, interval) : h.timeoutMillis();
        if (interval < 50 || interval > 3_600_000) {
            throw new IllegalArgumentException("interval " + interval + " ms: 50 to 3600000");
        }
        if (timeout < 10 || timeout > interval) {
            throw new IllegalArgumentException("timeout " + timeout + " ms: 10 up to the interval (" + interval + " ms)");
        }
        int fall = h.fall() == 0 ? DEFAULT_FALL : h.fall(), rise = h.rise() == 0 ? DEFAULT_RISE : h.rise();
        if (fall < 1 || fall > 100 || rise < 1 || rise > 100) {
            throw new IllegalArgumentException("fall " + fall + ", rise " + rise + ": each 1 to 100");
        }
        if (h.port() < 0 || h.port() > 65535) {
            throw new IllegalArgumentException("port " + h.port() + ": 1..65535, or 0 for the backend's (or the service's) port");
        }
        String source = h.source();
        if (source != null) {
            long[] a = Addresses.parse(source);
            source = Addresses.format((int) a[0], a[1], a[2]);
        }
        return new LoadBalancer.HealthSpec(h.service(), probe, interval, timeout, fall, rise, h.port(), source, path);
    }

    public synchronized void set(LoadBalancer.HealthSpec spec) {
        LoadBalancer.HealthSpec h = normalise(spec);
        specs.put(h.service(), h);
    }

    public synchronized void remove(String service) {
        if (specs.remove(service) == null) {
            throw new IllegalArgumentException("service " + service + " has no health checks (see lb:health)");
        }
        sync(Long.MIN_VALUE);
        publishDown();
    }

    public synchronized List<LoadBalancer.HealthSpec> specs() {
        return new ArrayList<>(specs.values());
    }

    public synchronized List<LoadBalancer.BackendHealth> status(long now) {
        List<LoadBalancer.BackendHealth> out = new ArrayList<>();
        for (Map.Entry<String, Checked> e : new TreeMap<>(checked).entrySet()) {
            String[] sk = e.getKey().split(" ", 2);
            HealthState s = e.getValue().state;
            out.add(new LoadBalancer.BackendHealth(sk[0], sk[1], s.stateName(), s.last(), s.fails(), s.passes(), s.probes(),
                    s.failures(), s.changedAt == 0 ? -1 : (now - s.changedAt) / 1_000_000));
        }
        return out;
    }

    /**
     * What an update of the bundle hands over, by {@code SERVICE KEY}: each checked backend's state and
     * its run of passes or failures (so a backend found down stays out of the table, and one halfway to
     * its fall keeps its count). Probes in flight are not handed over: the next instance sends anew.
     */
    public synchronized Map<String, int[]> states() {
        Map<String, int[]> out = new TreeMap<>();
        checked.forEach((k, c) -> out.put(k, new int[] {c.state.state, c.state.fails, c.state.passes}));
        return out;
    }

    /**
     * Takes the states {@link #states()} gave the previous instance, for the backends checked now (the
     * others are ignored), and tells the load balancer at once which are down. Returns how many were
     * taken. Call after the statements are applied and before the first {@link #run}.
     */
    public synchronized int restore(Map<String, int[]> states, long now) {
        sync(now);
        int n = 0;
        for (Map.Entry<String, int[]> e : states.entrySet()) {
            Checked c = checked.get(e.getKey());
            int[] v = e.getValue();
            if (c != null && v.length == 3 && v[0] >= HealthState.UNKNOWN && v[0] <= HealthState.DOWN) {
                c.state.state = v[0];
                c.state.fails = Math.max(0, v[1]);
                c.state.passes = Math.max(0, v[2]);
                n++;
            }
        }
        publishDown();
        return n;
    }

    /** One round: follow the configuration, read outcomes and timeouts, send what is due. */
    public synchronized void run(long now) {
        Map<String, LoadBalancer.BackendSpec> current = sync(now);
        Map<String, LoadBalancer.ServiceSpec> services = new HashMap<>();
        for (LoadBalancer.ServiceSpec s : lb.serviceSpecs()) {
            services.put(s.name(), s);
        }
        for (Map.Entry<String, Checked> e : checked.entrySet()) {
            Checked c = e.getValue();
            LoadBalancer.BackendSpec b = current.get(e.getKey());
            LoadBalancer.HealthSpec h = specs.get(b.service());
            if (c.outstanding) {
                int o = slots.outcome(c.slot, c.isn);
                if (o == ProbeSlots.SYN_ACK) {
                    finish(c, true, "syn-ack", h, now);
                } else if (o == ProbeSlots.HTTP) {
                    int status = slots.status(c.slot);
                    finish(c, status >= 200 && status < 400, status == 0 ? "http: no status line" : "http " + status, h, now);
                } else if (o == ProbeSlots.RST) {
                    finish(c, false, "rst", h, now);
                } else if (now - c.sentAt >= h.timeoutMillis() * 1_000_000L) {
                    finish(c, false, "timeout", h, now);
                }
            }
            if (!c.outstanding && now - c.nextAt >= 0) {
                send(c, b, services.get(b.service()), h, now);
            }
        }
        publishDown();
    }

    private void finish(Checked c, boolean pass, String what, LoadBalancer.HealthSpec h, long now) {
        slots.disarm(c.slot);
        c.outstanding = false;
        c.state.result(pass, what, h.fall(), h.rise(), now);
    }

    private void send(Checked c, LoadBalancer.BackendSpec b, LoadBalancer.ServiceSpec s, LoadBalancer.HealthSpec h, long now) {
        c.nextAt = now + h.intervalMillis() * 1_000_000L;
        int port = h.port() != 0 ? h.port() : b.port() != 0 ? b.port() : s.port();
        long[] dst = Addresses.parse(b.address());
        String src = h.source() != null ? h.source() : sources.source(s.vrf(), b.address(), (int) dst[0]);
        if (port == 0 || src == null || Addresses.parse(src)[0] != dst[0]) {
            c.state.result(false, port == 0 ? "no port (service of all ports: set port=)" : "no source address", h.fall(),
                    h.rise(), now);
            return;
        }
        long[] a = Addresses.parse(src);
        // The slot in the low bits names the probe in its answer's acknowledgement; the rest is fresh each time.
        int isn = ThreadLocalRandom.current().nextInt() & ~ProbeSlots.SLOT_MASK | c.slot;
        int sport = ProbeNode.FIRST_PORT + (portTurn++ & (ProbeNode.PORTS - 1));
        byte[] http = h.probe().equals("http") ? request(h.path(), b.address(), port) : null;
        if (slots.send(c.slot, (int) dst[0], vrfId.applyAsInt(s.vrf()), a[1], a[2], dst[1], dst[2], sport, port, isn, http)) {
            c.isn = isn;
            c.sentAt = now;
            c.outstanding = true;
        }
    }

    /** An HTTP probe's request, padded to {@link ProbeSlots#REQUEST_LENGTH} bytes by a header of its own. */
    static byte[] request(String path, String address, int port) {
        String host = (address.indexOf(':') >= 0 ? "[" + address + "]" : address) + ":" + port;
        String head = "GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\nUser-Agent: junction-lb-probe\r\nX-Pad: ";
        int pad = ProbeSlots.REQUEST_LENGTH - head.length() - 4;
        byte[] out = (head + "-".repeat(Math.max(0, pad)) + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        if (out.length != ProbeSlots.REQUEST_LENGTH) {
            throw new IllegalStateException("HTTP probe request of " + out.length + " bytes");
        }
        return out;
    }

    /** Checked backends follow the backends of services with health settings; returns them by {@code SERVICE KEY}. */
    private Map<String, LoadBalancer.BackendSpec> sync(long now) {
        Map<String, LoadBalancer.BackendSpec> current = new HashMap<>();
        for (LoadBalancer.BackendSpec b : lb.backendSpecs()) {
            if (specs.containsKey(b.service())) {
                current.put(b.service() + " " + b.key(), b);
            }
        }
        checked.entrySet().removeIf(e -> {
            if (!current.containsKey(e.getKey())) {
                slots.disarm(e.getValue().slot);
                slotUsed[e.getValue().slot] = false;
                return true;
            }
            return false;
        });
        for (String k : current.keySet()) {
            if (!checked.containsKey(k)) {
                int s = 0;
                while (s < slotUsed.length && slotUsed[s]) {
                    s++;
                }
                if (s == slotUsed.length) {
                    continue; // more checked backends than slots: the rest wait (and stay in the table)
                }
                slotUsed[s] = true;
                Checked c = new Checked(s);
                // Spread the first probes over the interval rather than all at once.
                c.nextAt = now == Long.MIN_VALUE ? 0 : now + Math.floorMod(k.hashCode(), 50) * 1_000_000L;
                checked.put(k, c);
            }
        }
        return current;
    }

    private void publishDown() {
        Set<String> d = new HashSet<>();
        checked.forEach((k, c) -> {
            if (!c.state.inTable()) {
                d.add(k);
            }
        });
        if (!d.equals(down)) {
            down = Set.copyOf(d);
            lb.down(down);
        }
    }
}

package dev.junction.routing.internal;

import dev.junction.routing.LabelRoute;
import dev.junction.routing.LabelRouteListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The labelled routes FRR sent over FPM ({@link LabelRoute}: label switched paths, IP routes with
 * label stacks), each with the number of the FPM connection that last sent it (for the sweep), and
 * the {@link LabelRouteListener}s told of them. A change marks the set dirty and starts one delivery
 * on a virtual thread; deliveries take a lock, so they never overlap, and each hands over the set as
 * it is when it begins, so that the last one always carries the newest set.
 */
public final class LabelRoutes {
    private static final System.Logger LOG = System.getLogger("dev.junction.routing");

    private record Learned(LabelRoute route, long generation) {
    }

    private final Map<String, Learned> routes = new TreeMap<>();
    private final List<LabelRouteListener> listeners = new CopyOnWriteArrayList<>();
    private final AtomicBoolean pending = new AtomicBoolean();
    private final ReentrantLock delivering = new ReentrantLock();

    /** The key of a label switched path. */
    static String pathKey(int label) {
        return "label " + label;
    }

    /** The key of a labelled IP route of a kernel table. */
    static String routeKey(long table, String prefix) {
        return "table " + table + " " + prefix;
    }

    /** Adds or replaces the route under {@code key}, as sent by connection {@code generation}. */
    synchronized void put(String key, LabelRoute route, long generation) {
        Learned before = routes.put(key, new Learned(route, generation));
        if (before == null || !before.route().equals(route)) {
            changed();
        }
    }

    /** Removes the route under {@code key}; false when there was none. */
    synchronized boolean remove(String key) {
        if (routes.remove(key) == null) {
            return false;
        }
        changed();
        return true;
    }

    /** Removes the routes not sent since connection {@code generation} began, or all; returns how many. */
    synchronized int sweep(long generation, boolean all) {
        int before = routes.size();
        routes.values().removeIf(l -> all || l.generation() < generation);
        int removed = before - routes.size();
        if (removed > 0) {
            changed();
        }
        return removed;
    }

    /** Removes every route. */
    synchronized void clear() {
        if (!routes.isEmpty()) {
            routes.clear();
            changed();
        }
    }

    /** The routes now, by key (label switched paths by label, then IP routes by table and prefix). */
    public synchronized List<LabelRoute> routes() {
        List<LabelRoute> out = new ArrayList<>(routes.size());
        for (Learned l : routes.values()) {
            out.add(l.route());
        }
        return out;
    }

    // ---- across an update of feature.routing (LearnedRouteHandover) ----

    private static final String PATH_LINE = "mpls-path ", ROUTE_LINE = "mpls-route ";

    /** Whether a handover line is one of these. */
    static boolean isHandoverLine(String line) {
        return line.startsWith(PATH_LINE) || line.startsWith(ROUTE_LINE);
    }

    /**
     * One line per route: {@code mpls-path LABEL PATHS} or {@code mpls-route TABLE VRF PREFIX PATHS},
     * PATHS as {@code GATEWAY=L/L,GATEWAY=} (no labels after {@code =}: none).
     */
    synchronized List<String> handoverLines() {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, Learned> e : routes.entrySet()) {
            LabelRoute r = e.getValue().route();
            StringBuilder paths = new StringBuilder();
            for (LabelRoute.Path p : r.paths()) {
                paths.append(paths.isEmpty() ? "" : ",").append(p.gateway()).append('=');
                for (int i = 0; i < p.labels().size(); i++) {
                    paths.append(i == 0 ? "" : "/").append(p.labels().get(i));
                }
            }
            lines.add(r.isPath() ? PATH_LINE + r.label() + " " + paths
                    : ROUTE_LINE + e.getKey().split(" ")[1] + " " + r.vrf() + " " + r.prefix() + " " + paths);
        }
        return lines;
    }

    /**
     * Takes a handover line as if sent before the first FPM connection (number 0): the daemon's
     * replay keeps it, the sweep removes it otherwise. Throws for a line it cannot read.
     */
    synchronized void adopt(String line) {
        String[] w = line.split(" ");
        boolean path = line.startsWith(PATH_LINE);
        if (w.length != (path ? 3 : 5)) {
            throw new IllegalArgumentException("not a label route line");
        }
        List<LabelRoute.Path> paths = new ArrayList<>();
        for (String p : w[w.length - 1].split(",")) {
            int eq = p.lastIndexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("path '" + p + "' is not GATEWAY=LABELS");
            }
            List<Integer> labels = new ArrayList<>();
            for (String l : p.substring(eq + 1).split("/")) {
                if (!l.isEmpty()) {
                    labels.add(Integer.parseInt(l));
                }
            }
            paths.add(new LabelRoute.Path(p.substring(0, eq), labels));
        }
        if (path) {
            int label = Integer.parseInt(w[1]);
            routes.put(pathKey(label), new Learned(new LabelRoute(label, null, null, paths), 0));
        } else {
            routes.put(routeKey(Long.parseLong(w[1]), w[3]), new Learned(new LabelRoute(-1, w[2], w[3], paths), 0));
        }
        changed();
    }

    /** Tells {@code listener} of the routes from now on, starting with the set as it is. */
    public void add(LabelRouteListener listener) {
        listeners.add(listener);
        changed();
    }

    public void remove(LabelRouteListener listener) {
        listeners.remove(listener);
    }

    private void changed() {
        if (pending.compareAndSet(false, true)) {
            Thread.ofVirtual().name("junction-label-routes").start(this::deliver);
        }
    }

    private void deliver() {
        delivering.lock();
        try {
            pending.set(false); // a change from now on starts another delivery, which waits for this one
            List<LabelRoute> now = routes();
            for (LabelRouteListener l : listeners) {
                try {
                    l.labelRoutesChanged(now);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "label route listener " + l + " failed", e);
                }
            }
        } finally {
            delivering.unlock();
        }
    }
}

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

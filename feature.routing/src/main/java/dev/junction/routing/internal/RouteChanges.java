package dev.junction.routing.internal;

import dev.junction.routing.RouteListener;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * Tells the {@link RouteListener}s which VRFs' forwarding tables changed. The control path marks a
 * VRF (cheap, from inside its lock); one thread of routing's own wakes, waits 10 ms so that a burst
 * (a table load, FRR streaming routes) comes as one call, and calls each listener per marked VRF.
 */
final class RouteChanges {
    private static final System.Logger LOG = System.getLogger("dev.junction.routing");
    private static final long COALESCE_NS = 10_000_000L;
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final List<RouteListener> listeners = new CopyOnWriteArrayList<>();
    private volatile Thread thread;

    void changed(String vrf) {
        if (dirty.add(vrf)) {
            Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    void add(RouteListener l) {
        listeners.add(l);
    }

    void remove(RouteListener l) {
        listeners.remove(l);
    }

    void start() {
        thread = Thread.ofPlatform().daemon().name("junction-route-changes").start(this::run);
    }

    void stop() {
        Thread t = thread;
        thread = null;
        if (t != null) {
            t.interrupt();
        }
    }

    private void run() {
        while (!Thread.currentThread().isInterrupted()) {
            if (dirty.isEmpty()) {
                LockSupport.park(this);
                continue;
            }
            LockSupport.parkNanos(COALESCE_NS);
            for (String vrf : List.copyOf(dirty)) {
                dirty.remove(vrf);
                for (RouteListener l : listeners) {
                    try {
                        l.routesChanged(vrf);
                    } catch (RuntimeException e) {
                        LOG.log(System.Logger.Level.ERROR, "route listener " + l.getClass().getName() + " threw", e);
                    }
                }
            }
        }
    }
}

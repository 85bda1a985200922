package dev.junction.l2.bridge;

import java.util.Arrays;

/**
 * One worker's bridge counters: per domain ({@link #domain}, {@code id * DOMAIN + counter}) and per
 * port ({@link #port}, {@code ifIndex * PORT + counter}), plain adds by the worker, summed over
 * workers by the control side. Grown (copied) when a domain or an interface is added: a control event.
 */
final class WorkerCounters {
    static final int FORWARDED = 0, FLOODED = 1, UNKNOWN_UNICAST = 2, LIMIT_DROPS = 3, FILTERED = 4, DOMAIN = 5;
    static final int FLOODED_OUT = 0, PORT_LIMIT_DROPS = 1, PORT = 2;
    long[] domain = new long[DOMAIN];
    long[] port = new long[0];

    void fit(int domains, int interfaces) {
        if (domain.length < domains * DOMAIN) {
            domain = Arrays.copyOf(domain, domains * DOMAIN);
        }
        if (port.length < interfaces * PORT) {
            port = Arrays.copyOf(port, interfaces * PORT);
        }
    }
}

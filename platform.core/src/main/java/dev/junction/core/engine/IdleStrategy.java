package dev.junction.core.engine;

import java.util.concurrent.locks.LockSupport;

/**
 * What a worker does after a poll that found nothing. {@code spin} keeps the core (lowest latency,
 * a whole CPU); {@code backoff} spins, yields, then parks for growing periods up to 1 ms (the
 * default: an idle Junction costs almost nothing on a shared 2-core machine); {@code park} parks
 * 50 us at once.
 */
public abstract sealed class IdleStrategy {
    public enum Mode {
        SPIN, BACKOFF, PARK;

        public static Mode parse(String s) {
            for (Mode m : values()) {
                if (m.name().equalsIgnoreCase(s.trim())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("idle must be spin, backoff or park, not '" + s + "'");
        }

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    static IdleStrategy of(Mode mode) {
        return switch (mode) {
            case SPIN -> new Spin();
            case BACKOFF -> new Backoff();
            case PARK -> new Park();
        };
    }

    /** Called after every poll with the number of packets it moved. */
    abstract void idle(int work);

    static final class Spin extends IdleStrategy {
        @Override
        void idle(int work) {
            if (work == 0) {
                Thread.onSpinWait();
            }
        }
    }

    static final class Backoff extends IdleStrategy {
        private static final int SPINS = 200;
        private static final int YIELDS = 50;
        private static final long MIN_PARK_NS = 1_000;
        private static final long MAX_PARK_NS = 1_000_000;
        private int idleRounds;
        private long parkNs = MIN_PARK_NS;

        @Override
        void idle(int work) {
            if (work > 0) {
                idleRounds = 0;
                parkNs = MIN_PARK_NS;
                return;
            }
            int r = idleRounds++;
            if (r < SPINS) {
                Thread.onSpinWait();
            } else if (r < SPINS + YIELDS) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(parkNs);
                parkNs = Math.min(parkNs << 1, MAX_PARK_NS);
            }
        }
    }

    static final class Park extends IdleStrategy {
        @Override
        void idle(int work) {
            if (work == 0) {
                LockSupport.parkNanos(50_000);
            }
        }
    }
}

package dev.junction.lb.health;

/**
 * One checked backend's verdict, on the control thread: {@link #UNKNOWN} until a probe decides (it takes
 * flows meanwhile, so that turning checks on moves nothing), {@link #UP}, or {@link #DOWN} after
 * {@code fall} failures in a row (out of the Maglev table), back {@link #UP} after {@code rise} passes in
 * a row. A pass while unknown is up at once: the backend was in the table already.
 */
public final class HealthState {
    public static final int UNKNOWN = 0, UP = 1, DOWN = 2;
    private static final String[] NAMES = {"unknown", "up", "down"};

    int state = UNKNOWN, fails, passes;
    long probes, failures;
    String last = "none";
    /** System.nanoTime() of the last change of state; 0: never changed. */
    long changedAt;

    /**
     * Records a probe's result ({@code what}: syn-ack, rst, timeout, ...). Returns whether the backend
     * entered or left the table.
     */
    public boolean result(boolean pass, String what, int fall, int rise, long now) {
        probes++;
        last = what;
        boolean wasIn = inTable();
        if (pass) {
            passes++;
            fails = 0;
            if (state == UNKNOWN || state == DOWN && passes >= rise) {
                state = UP;
                changedAt = now;
            }
        } else {
            failures++;
            fails++;
            passes = 0;
            if (state != DOWN && fails >= fall) {
                state = DOWN;
                changedAt = now;
            }
        }
        return wasIn != inTable();
    }

    /** Whether its weight counts in the Maglev table. */
    public boolean inTable() {
        return state != DOWN;
    }

    public int state() {
        return state;
    }

    public String stateName() {
        return NAMES[state];
    }

    public int fails() {
        return fails;
    }

    public int passes() {
        return passes;
    }

    public long probes() {
        return probes;
    }

    public long failures() {
        return failures;
    }

    public String last() {
        return last;
    }
}

package dev.junction.shell;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.dataplane.WorkerStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code worker:rate}'s arithmetic: per-worker Mpps and busy share from two samples, the total and the spread. */
class WorkerRatesTest {
    private static WorkerStatus w(int index, long tid, long polls, long busy, long packets, long epoch) {
        return new WorkerStatus(index, "junction-worker-" + index, tid, index, "" + index, "spin",
                List.of("rx mem" + index), polls, busy, packets, epoch);
    }

    @Test
    void ratesPerWorkerTotalAndSpread() {
        String out = WorkerCommands.rates(
                List.of(w(0, 100, 1_000, 500, 10_000_000, 1), w(1, 101, 2_000, 100, 5_000_000, 1)),
                List.of(w(0, 100, 2_000, 1_400, 14_000_000, 3), w(1, 101, 4_000, 300, 6_000_000, 3)), 2.0);
        // Worker 0: 4,000,000 packets in 2 s = 2.000 Mpps, 900 of 1,000 polls busy; worker 1: 0.500 Mpps, 10%.
        assertTrue(out.lines().anyMatch(l -> l.matches(" *0 +0 +2\\.000 +90\\.0 +rx mem0")), out);
        assertTrue(out.lines().anyMatch(l -> l.matches(" *1 +1 +0\\.500 +10\\.0 +rx mem1")), out);
        assertTrue(out.contains("total 2.500 Mpps over 2.0 s; busiest worker 4.00x the idlest"), out);
    }

    @Test
    void aRestartedWorkerIsLeftOutAndSaidSo() {
        String out = WorkerCommands.rates(List.of(w(0, 100, 10, 5, 1_000, 1)), List.of(w(0, 200, 3, 1, 10, 1)), 1.0);
        assertTrue(out.contains("1 worker(s) restarted in the window, left out"), out);
        assertTrue(out.contains("total 0.000 Mpps"), out);
    }
}

package dev.junction.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.junction.dataplane.WorkerStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Workers run only on the CPUs configured for them, as the kernel itself reports. */
class PinningTest {

    static String cpusAllowedList(long tid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/task/" + tid + "/status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        throw new AssertionError("no Cpus_allowed_list for thread " + tid);
    }

    @Test
    void eachWorkerIsPinnedToItsConfiguredCpu() throws Exception {
        List<Integer> allowed = Affinity.cpusOf(0);
        List<Integer> cpus = allowed.size() >= 2 ? List.of(allowed.getLast(), allowed.getFirst()) : List.of(allowed.getFirst());
        try (Engine engine = new Engine(EngineConfig.defaults().withCpus(cpus))) {
            engine.start();
            List<WorkerStatus> workers = engine.workers();
            assertEquals(cpus.size(), workers.size());
            for (WorkerStatus w : workers) {
                int cpu = cpus.get(w.index());
                assertEquals(cpu, w.cpu());
                assertEquals(List.of(cpu), Affinity.cpusOf((int) w.tid()), "sched_getaffinity of worker " + w.index());
                assertEquals(Integer.toString(cpu), cpusAllowedList(w.tid()), "/proc status of worker " + w.index());
                assertEquals(Integer.toString(cpu), w.affinity());
            }
        }
    }

    @Test
    void aCpuThatDoesNotExistLeavesTheWorkerUnpinnedAndSaysSo() throws Exception {
        List<Integer> allowed = Affinity.cpusOf(0);
        assumeTrue(allowed.getLast() < 1000, "machine has fewer than 1000 CPUs");
        try (Engine engine = new Engine(EngineConfig.defaults().withCpus(List.of(1000)))) {
            engine.start();
            WorkerStatus w = engine.workers().getFirst();
            assertEquals(Affinity.format(allowed), w.affinity(), "unpinned: the process's own CPUs");
        }
    }

    @Test
    void cpuListsParse() {
        assertEquals(List.of(0, 1, 2, 3, 6), EngineConfig.parseCpus("0-3,6"));
        assertEquals(List.of(-1), EngineConfig.parseCpus("none"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> EngineConfig.parseCpus("3-1"));
        assertEquals("cpus must be a CPU list like 1, 0-3 or 1,3 (or none), not '3-1'", e.getMessage());
    }

    /** Found by bench/run-fuzz.sh at 10^7 documents: {@code cpus=-} threw ArrayIndexOutOfBoundsException. */
    @Test
    void cpuListsWithEmptyPartsAreRefusedNotThrown() {
        for (String bad : new String[] {"-", "3-", "-3", "1,,2", ",", "1-2-3", ""}) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> EngineConfig.parseCpus(bad), bad);
            assertEquals("cpus must be a CPU list like 1, 0-3 or 1,3 (or none), not '" + bad + "'", e.getMessage());
        }
    }
}

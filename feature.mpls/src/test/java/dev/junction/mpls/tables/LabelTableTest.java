package dev.junction.mpls.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class LabelTableTest {
    private static LabelEntry entry(LabelTable t, int label, String name) {
        return new LabelEntry(name, label, LabelEntry.SWAP, new Nhlfe[] {new Nhlfe(1, new int[] {label + 1})}, 0, "default",
                true, t.allocateSlot());
    }

    @Test
    void putGetReplaceRemove() {
        LabelTable t = new LabelTable();
        LabelEntry a = entry(t, 100, "a");
        t.put(a);
        assertSame(a, t.get(100));
        assertNull(t.get(101));
        LabelEntry b = new LabelEntry("a", 100, LabelEntry.POP, new Nhlfe[0], 0, "default", false, a.slot());
        t.put(b);
        assertSame(b, t.get(100));
        t.put(entry(t, MplsHeader.MAX_LABEL, "top"));
        assertEquals(2, t.size());
        assertEquals(100, t.entries().getFirst().label());
        assertSame(b, t.remove(100));
        assertNull(t.get(100));
        assertNull(t.remove(100));
        assertEquals(1, t.size());
    }

    @Test
    void aSlotGivenBackIsReusedWithItsCountersZeroed() {
        LabelTable t = new LabelTable();
        t.counters().workers(2);
        LabelEntry a = entry(t, 100, "a");
        t.put(a);
        t.counters().of(1)[2 * a.slot()] = 5;
        t.counters().of(1)[2 * a.slot() + 1] = 500;
        assertEquals(5, t.counters().packets(a.slot()));
        assertEquals(500, t.counters().bytes(a.slot()));
        t.remove(100);
        LabelEntry b = entry(t, 200, "b");
        assertEquals(a.slot(), b.slot());
        assertEquals(0, t.counters().packets(b.slot()));
    }

    @Test
    void fullAfterMaxEntries() {
        LabelTable t = new LabelTable();
        for (int i = 0; i < LabelTable.MAX_ENTRIES; i++) {
            assertTrue(t.allocateSlot() >= 0);
        }
        assertEquals(-1, t.allocateSlot());
    }

    @Test
    void aReaderSeesEachEntryWholeWhileTheControlSideReplacesIt() throws Exception {
        LabelTable t = new LabelTable();
        AtomicReference<String> wrong = new AtomicReference<>();
        AtomicLong reads = new AtomicLong();
        Thread reader = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                for (int l = 16; l < 80; l++) {
                    LabelEntry e = t.get(l);
                    if (e != null) {
                        reads.incrementAndGet();
                        if (e.label() != l || e.paths().length != 1 || e.paths()[0].label(0) != l + 1) {
                            wrong.compareAndSet(null, "label " + l + " read as " + e);
                        }
                    }
                }
            }
        });
        reader.start();
        for (int round = 0; round < 2000; round++) {
            for (int l = 16; l < 80; l++) {
                if (round % 3 == 2) {
                    t.remove(l);
                } else {
                    LabelEntry old = t.get(l);
                    t.put(new LabelEntry("n" + l, l, LabelEntry.SWAP, new Nhlfe[] {new Nhlfe(round, new int[] {l + 1})}, 0,
                            "default", round % 2 == 0, old != null ? old.slot() : t.allocateSlot()));
                }
            }
        }
        reader.interrupt();
        reader.join();
        assertNull(wrong.get());
        assertTrue(reads.get() > 0);
    }
}

package dev.junction.routing.fib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** A freed group is not handed out again before the grace period that {@code reclaim} marks. */
class GroupPoolTest {

    @Test
    void retiredGroupsWaitForReclaim() {
        GroupPool pool = new GroupPool();
        int a = pool.allocate();
        int b = pool.allocate();
        pool.retire(a);
        assertEquals(1, pool.inUse());
        int c = pool.allocate();
        assertNotEquals(a, c);
        assertNotEquals(b, c);
        pool.reclaim();
        assertEquals(a, pool.allocate());
        assertEquals(3, pool.inUse());
    }

    @Test
    void theArrayGrowsByHalfAndOnlyWhenNeeded() {
        int[] groups = new int[4 * FibEntry.GROUP_SIZE];
        assertSame(groups, GroupPool.fit(groups, 3));
        assertEquals(6 * FibEntry.GROUP_SIZE, GroupPool.fit(groups, 4).length);
        assertEquals(11 * FibEntry.GROUP_SIZE, GroupPool.fit(groups, 10).length);
    }

    @Test
    void tablesLeaveFreedGroupsAloneUntilReclaimed() {
        Ipv6Fib fib = new Ipv6Fib();
        long high = 0x2001_0DB8_0000_0000L;
        fib.add(high, 0, 40, 1); // one group below the root
        long before = fib.memoryBytes();
        for (int i = 0; i < 1000; i++) {
            fib.add(high, 0, 40, 1);
            fib.remove(high, 0, 40);
        }
        // Each round took a new group: none freed was reused.
        assertNotEquals(before, fib.memoryBytes());
        fib.reclaimGroups();
        long after = fib.memoryBytes();
        for (int i = 0; i < 1000; i++) {
            fib.add(high, 0, 40, 1);
            fib.remove(high, 0, 40);
            fib.reclaimGroups();
        }
        assertEquals(after, fib.memoryBytes());
        assertEquals(0, fib.groups());
    }
}

package dev.junction.lb.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The probe state machine: fall failures in a row take a backend out, rise passes in a row bring it back. */
class HealthStateTest {

    @Test
    void unknownTakesFlowsAndAPassMakesItUpAtOnce() {
        HealthState s = new HealthState();
        assertEquals("unknown", s.stateName());
        assertTrue(s.inTable(), "turning checks on moves no backend out");
        assertFalse(s.result(true, "syn-ack", 3, 2, 1), "up from unknown: it was in the table already");
        assertEquals("up", s.stateName());
        assertEquals(1, s.passes());
    }

    @Test
    void fallFailuresInARowTakeItOutAndRisePassesBringItBack() {
        HealthState s = new HealthState();
        s.result(true, "syn-ack", 3, 2, 1);
        assertFalse(s.result(false, "rst", 3, 2, 2));
        assertFalse(s.result(false, "timeout", 3, 2, 3));
        assertEquals(2, s.fails());
        assertTrue(s.inTable(), "two of three");
        assertTrue(s.result(false, "rst", 3, 2, 4), "the third failure in a row: out");
        assertEquals("down", s.stateName());
        assertFalse(s.inTable());
        assertFalse(s.result(false, "rst", 3, 2, 5), "still down: no change");
        assertFalse(s.result(true, "syn-ack", 3, 2, 6), "one pass of two");
        assertEquals("down", s.stateName());
        assertTrue(s.result(true, "syn-ack", 3, 2, 7), "the second pass in a row: back");
        assertEquals("up", s.stateName());
        assertEquals(7, s.probes());
        assertEquals(4, s.failures());
        assertEquals("syn-ack", s.last());
    }

    @Test
    void aPassBetweenFailuresStartsTheCountAgain() {
        HealthState s = new HealthState();
        s.result(false, "rst", 2, 2, 1);
        s.result(true, "syn-ack", 2, 2, 2);
        assertEquals(0, s.fails());
        assertFalse(s.result(false, "rst", 2, 2, 3), "one failure in a row again, of two");
        assertTrue(s.inTable());
        assertTrue(s.result(false, "rst", 2, 2, 4));
        s.result(true, "syn-ack", 2, 2, 5);
        s.result(false, "rst", 2, 2, 6);
        assertFalse(s.result(true, "syn-ack", 2, 2, 7), "passes must be in a row");
        assertEquals("down", s.stateName());
    }

    @Test
    void fallOneIsOutAtTheFirstFailure() {
        HealthState s = new HealthState();
        assertTrue(s.result(false, "timeout", 1, 1, 1));
        assertTrue(s.result(true, "syn-ack", 1, 1, 2));
    }
}

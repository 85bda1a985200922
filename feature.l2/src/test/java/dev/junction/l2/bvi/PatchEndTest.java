package dev.junction.l2.bvi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** What one end of a patch transmits the other receives, byte for byte; a full ring drops and counts. */
class PatchEndTest {
    @Test
    void framesCrossThePairInOrderAndAFullRingCountsWhatItDrops() {
        PatchEnd[] ends = PatchEnd.pair("a", 0x02_00_00_00_00_01L, "b", 0x02_00_00_00_00_02L);
        try (Arena arena = Arena.ofConfined()) {
            PacketPool sender = new PacketPool(arena, 2048);
            PacketPool receiver = new PacketPool(arena, 2048);
            int sent = 0;
            for (int round = 0; round < 3; round++) { // 768 frames for a 512-frame ring: 256 dropped
                PacketVector v = new PacketVector();
                for (int i = 0; i < PacketVector.MAX; i++, sent++) {
                    int b = sender.allocate();
                    sender.length(b, 60 + sent % 100);
                    sender.memory().set(ValueLayout.JAVA_INT_UNALIGNED, sender.data(b), sent);
                    v.add(b);
                }
                assertEquals(PacketVector.MAX, ends[0].txQueue(1).transmit(sender, v), "every frame taken (sent or dropped)");
            }
            assertEquals(2048, sender.available(), "every buffer freed");
            assertEquals(FrameRing.SLOTS, ends[0].counters().txPackets());
            assertEquals(768 - FrameRing.SLOTS, ends[0].counters().txErrors());
            int got = 0;
            for (int k = 0; k < 3; k++) {
                PacketVector in = new PacketVector();
                int n = ends[1].rxQueue(0).receive(receiver, in, PacketVector.MAX);
                for (int i = 0; i < n; i++, got++) {
                    int b = in.buffer(i);
                    assertEquals(got, receiver.memory().get(ValueLayout.JAVA_INT_UNALIGNED, receiver.data(b)), "in order");
                    assertEquals(60 + got % 100, receiver.length(b));
                    receiver.free(b);
                }
            }
            assertEquals(FrameRing.SLOTS, got);
            assertEquals(FrameRing.SLOTS, ends[1].counters().rxPackets());
            assertEquals(0, ends[1].rxQueue(0).receive(receiver, new PacketVector(), PacketVector.MAX), "nothing more");
        }
    }
}

package dev.junction.drivers.vhost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A device of several queue pairs offers multiqueue (VIRTIO_NET_F_MQ with the control queue the
 * frontend serves), says how many pairs it has, takes settings for each pair's two rings and no
 * more; a one-pair device offers neither and has rings 0 and 1 only. Queue 2k+1 of the device is the
 * guest's transmit ring of pair k.
 */
class QueuePairsTest {

    private static long[] negotiate(VhostUserDevice d) throws Exception {
        try (TestFrontend f = TestFrontend.connect(d.socketPath())) {
            long features = f.get(VhostUserMessage.GET_FEATURES);
            long pairs = f.get(VhostUserMessage.GET_QUEUE_NUM);
            assertEquals(0, f.call(VhostUserMessage.SET_PROTOCOL_FEATURES, TestFrontend.u64(VhostUserBackend.PROTOCOL_F_REPLY_ACK)));
            long lastRing = f.call(VhostUserMessage.SET_VRING_NUM, TestFrontend.state(2 * (int) pairs - 1, 256));
            long pastLast = f.call(VhostUserMessage.SET_VRING_NUM, TestFrontend.state(2 * (int) pairs, 256));
            return new long[] {features, pairs, lastRing, pastLast};
        }
    }

    @Test
    void fourPairsOfferMultiqueueAndEightRings() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jvq");
        try (VhostUserDevice d = new VhostUserDevice("mq0", dir.resolve("mq.sock"), VhostUserDevice.Mode.SERVER, 4)) {
            long[] r = negotiate(d);
            assertEquals(VhostUserBackend.VIRTIO_NET_F_MQ | VhostUserBackend.VIRTIO_NET_F_CTRL_VQ,
                    r[0] & (VhostUserBackend.VIRTIO_NET_F_MQ | VhostUserBackend.VIRTIO_NET_F_CTRL_VQ), Long.toHexString(r[0]));
            assertEquals(4, r[1]);
            assertEquals(0, r[2], "ring 7 (pair 3's transmit ring) takes a size");
            assertNotEquals(0, r[3], "ring 8 does not exist");
            assertEquals(4, d.rxQueueCount());
            assertEquals("vhost-user server queues 4", d.driver());
            assertEquals(8, d.rings().split(" (?=[rt]x\\d:)").length, d.rings());
        } finally {
            Files.deleteIfExists(dir.resolve("mq.sock"));
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void onePairOffersNoMultiqueue() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jvq");
        try (VhostUserDevice d = new VhostUserDevice("sq0", dir.resolve("sq.sock"), VhostUserDevice.Mode.SERVER)) {
            long[] r = negotiate(d);
            assertEquals(0, r[0] & (VhostUserBackend.VIRTIO_NET_F_MQ | VhostUserBackend.VIRTIO_NET_F_CTRL_VQ));
            assertEquals(VhostUserBackend.OFFERED_FEATURES, r[0]);
            assertEquals(1, r[1]);
            assertEquals(0, r[2]);
            assertNotEquals(0, r[3], "ring 2 does not exist");
            assertEquals(1, d.rxQueueCount());
        } finally {
            Files.deleteIfExists(dir.resolve("sq.sock"));
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void pairsOutsideOneToSixteenAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new VhostUserDevice("x", Path.of("/tmp/jvq-none.sock"), VhostUserDevice.Mode.SERVER, 17));
        assertEquals("queues must be 1..16, not 17", e.getMessage());
    }
}

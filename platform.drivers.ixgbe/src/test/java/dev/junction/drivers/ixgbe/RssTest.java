package dev.junction.drivers.ixgbe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.drivers.ixgbe.init.Rss;
import dev.junction.packet.Ipv4;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.test.ixgbe.ModelConfig;
import dev.junction.test.ixgbe.Toeplitz;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * RSS over 4 queues: the driver's key, redirection table and MRQC make the model deliver each
 * flow to the queue its Toeplitz hash names, with the published hashes of Microsoft's "Verifying
 * the RSS Hash Calculation" (the default key; the 82599 datasheet's RSS section uses the same
 * verification data) arriving as the packet's flow hash.
 */
class RssTest {
    private static final int QUEUES = 4;

    @ParameterizedTest(name = "{2}:{3} -> {0}:{1}")
    @CsvSource({
        // destination, port, source, port, hash over addresses, hash over addresses and ports
        "161.142.100.80, 1766, 66.9.149.187, 2794, 0x323e8fc2, 0x51ccc178",
        "65.69.140.83, 4739, 199.92.111.2, 14230, 0xd718262a, 0xc626b0ea",
        "12.22.207.184, 38024, 24.19.198.95, 12898, 0xd2d0a5de, 0x5c2b394a",
        "209.142.163.6, 2217, 38.27.205.30, 48228, 0x82989176, 0xafc7327f",
        "202.188.127.2, 1303, 153.39.163.191, 44251, 0x5d1809c5, 0x10e828a2"})
    void publishedExamplesLandOnTheQueueTheirHashNames(String dst, int dstPort, String src, int srcPort,
            String ipHash, String tcpHash) {
        int ip = Integer.parseUnsignedInt(ipHash.substring(2), 16);
        int tcp = Integer.parseUnsignedInt(tcpHash.substring(2), 16);
        try (ModelPort port = new ModelPort("x0", ModelConfig.defaults().withQueues(QUEUES),
                IxgbeDevice.Settings.defaults().withQueues(QUEUES));
                Arena arena = Arena.ofShared()) {
            PacketPool pool = new PacketPool(arena, 8192);
            Receiver rx = new Receiver(port, pool);
            long mac = port.model.config().mac();
            // TCP and UDP hash addresses and ports; ICMP (another protocol) the addresses only.
            for (int[] c : new int[][]{{Ipv4.PROTO_TCP, tcp}, {Ipv4.PROTO_UDP, tcp}, {Ipv4.PROTO_ICMP, ip}}) {
                port.model.injectRx(frame(mac, c[0], Ipv4.parse(src), Ipv4.parse(dst), srcPort, dstPort));
                int[] got = rx.next();
                assertEquals(c[1], got[1], "the flow hash (protocol " + c[0] + ")");
                assertEquals((c[1] & 127) % QUEUES, got[0], "RETA[hash & 127] is entry %% " + QUEUES);
            }
            port.model.assertNoFaults();
        }
    }

    @Test
    void tenThousandFlowsSpreadOverFourQueuesAsTheHashSays() {
        try (ModelPort port = new ModelPort("x0", ModelConfig.defaults().withQueues(QUEUES),
                IxgbeDevice.Settings.defaults().withQueues(QUEUES));
                Arena arena = Arena.ofShared()) {
            PacketPool pool = new PacketPool(arena, 8192);
            Receiver rx = new Receiver(port, pool);
            long mac = port.model.config().mac();
            SplittableRandom random = new SplittableRandom(5);
            int[] perQueue = new int[QUEUES];
            int flows = 10_000;
            for (int i = 0; i < flows; i++) {
                int src = random.nextInt();
                int dst = random.nextInt();
                int sp = random.nextInt(65536);
                int dp = random.nextInt(65536);
                port.model.injectRx(frame(mac, Ipv4.PROTO_UDP, src, dst, sp, dp));
                byte[] input = new byte[12];
                putInt(input, 0, src);
                putInt(input, 4, dst);
                input[8] = (byte) (sp >>> 8);
                input[9] = (byte) sp;
                input[10] = (byte) (dp >>> 8);
                input[11] = (byte) dp;
                int hash = Toeplitz.hash(Rss.DEFAULT_KEY, input, 0, 12);
                int[] got = rx.next();
                assertEquals(hash, got[1]);
                assertEquals((hash & 127) % QUEUES, got[0]);
                perQueue[got[0]]++;
            }
            for (int q = 0; q < QUEUES; q++) {
                assertTrue(perQueue[q] > flows / QUEUES * 0.9 && perQueue[q] < flows / QUEUES * 1.1,
                        "queue " + q + " got " + perQueue[q] + " of " + flows);
                port.device.statistics().update();
                assertEquals(perQueue[q], port.device.statistics().queueReceived(q), "QPRC(" + q + ")");
            }
            port.model.assertNoFaults();
        }
    }

    /** Polls every queue (one thread, one pool: the test plays all workers) for the next frame. */
    private record Receiver(ModelPort port, PacketPool pool, PacketVector v) {
        Receiver(ModelPort port, PacketPool pool) {
            this(port, pool, new PacketVector());
            for (int q = 0; q < QUEUES; q++) {
                port.device.rxRing(q).receive(pool, v, 1);
            }
        }

        /** The queue and flow hash of the next frame. */
        int[] next() {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                for (int q = 0; q < QUEUES; q++) {
                    v.clear();
                    if (port.device.rxRing(q).receive(pool, v, 1) == 1) {
                        int b = v.buffer(0);
                        int hash = pool.flowHash(b);
                        pool.free(b);
                        return new int[]{q, hash};
                    }
                }
            }
            throw new AssertionError("no frame on any queue; faults " + port.model.faults());
        }
    }

    static byte[] frame(long dstMac, int protocol, int src, int dst, int srcPort, int dstPort) {
        byte[] f = new byte[14 + 20 + 20 + 16];
        TestFrames.putMac(f, 0, dstMac);
        TestFrames.putMac(f, 6, 0x02_00_00_00_00_10L);
        f[12] = 0x08;
        f[14] = 0x45;
        int total = f.length - 14;
        f[16] = (byte) (total >>> 8);
        f[17] = (byte) total;
        f[22] = 64;
        f[23] = (byte) protocol;
        putInt(f, 26, src);
        putInt(f, 30, dst);
        f[34] = (byte) (srcPort >>> 8);
        f[35] = (byte) srcPort;
        f[36] = (byte) (dstPort >>> 8);
        f[37] = (byte) dstPort;
        return f;
    }

    private static void putInt(byte[] f, int at, int v) {
        f[at] = (byte) (v >>> 24);
        f[at + 1] = (byte) (v >>> 16);
        f[at + 2] = (byte) (v >>> 8);
        f[at + 3] = (byte) v;
    }
}

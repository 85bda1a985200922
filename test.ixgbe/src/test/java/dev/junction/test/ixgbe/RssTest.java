package dev.junction.test.ixgbe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** RSS end to end: MRQC, RSSRK and RETA programmed through BAR0, the queue and hash in the write-back. */
class RssTest {
    private static final int QUEUES = 4;

    /** An Ethernet frame to the model's MAC with an IPv4 or IPv6 header and the two ports. */
    static byte[] frame(long mac, String source, int sourcePort, String destination, int destinationPort,
                        int protocol, boolean fragment) throws Exception {
        byte[] s = InetAddress.getByName(source).getAddress();
        byte[] d = InetAddress.getByName(destination).getAddress();
        boolean v6 = s.length == 16;
        int l4 = 14 + (v6 ? 40 : 20);
        byte[] f = new byte[Math.max(l4 + 8 + 18, 64)];
        Frames.putMac(f, 0, mac);
        Frames.putMac(f, 6, 0x02_00_00_00_00_42L);
        if (v6) {
            f[12] = (byte) 0x86;
            f[13] = (byte) 0xDD;
            f[14] = 0x60;
            f[14 + 6] = (byte) protocol;
            f[14 + 7] = 64;
            System.arraycopy(s, 0, f, 14 + 8, 16);
            System.arraycopy(d, 0, f, 14 + 24, 16);
        } else {
            f[12] = 0x08;
            f[14] = 0x45;
            f[14 + 6] = (byte) (fragment ? 0x20 : 0);   // MF
            f[14 + 8] = 64;
            f[14 + 9] = (byte) protocol;
            System.arraycopy(s, 0, f, 14 + 12, 4);
            System.arraycopy(d, 0, f, 14 + 16, 4);
        }
        f[l4] = (byte) (sourcePort >>> 8);
        f[l4 + 1] = (byte) sourcePort;
        f[l4 + 2] = (byte) (destinationPort >>> 8);
        f[l4 + 3] = (byte) destinationPort;
        return f;
    }

    private static void programRss(ModelRig rig, int fields) {
        for (int n = 0; n < 10; n++) {
            int word = 0;
            for (int b = 0; b < 4; b++) {
                word |= (ToeplitzTest.KEY[4 * n + b] & 0xFF) << (8 * b);
            }
            rig.bar.write(Registers.rssrk(n), word);
        }
        for (int n = 0; n < 32; n++) {
            int word = 0;
            for (int b = 0; b < 4; b++) {
                word |= ((4 * n + b) % QUEUES) << (8 * b);   // entry i -> queue i % 4
            }
            rig.bar.write(Registers.reta(n), word);
        }
        rig.bar.write(Registers.MRQC, Registers.MRQC_MRQE_RSS | fields);
    }

    private static ModelRig.RxRing[] queues(ModelRig rig) {
        ModelRig.RxRing[] rings = new ModelRig.RxRing[QUEUES];
        for (int q = 0; q < QUEUES; q++) {
            rings[q] = rig.rx(q, 64, Registers.SRRCTL_DESCTYPE_ADV_ONEBUF | 2, 2048);
            rig.enableRx(rings[q], 63);
        }
        return rings;
    }

    /** Sends {@code f}, finds it on the queue RETA[hash & 127] names, checks the write-back. */
    private static void expect(ModelRig rig, ModelRig.RxRing[] rings, int[] next, byte[] f, int type, int hash) {
        rig.model.injectRx(f);
        int q = hash == 0 && type == 0 ? 0 : (hash & 127) % QUEUES;
        int i = next[q]++;
        assertTrue(rings[q].awaitDone(i), "frame on queue " + q + "; faults " + rig.model.faults());
        assertEquals(type, rings[q].rssType(i), "RSS type");
        assertEquals(hash, rings[q].rssHash(i), "hash 0x" + Integer.toHexString(rings[q].rssHash(i)));
        assertEquals(f.length, rings[q].length(i));
    }

    @Test
    void theHashPicksTheQueueThroughRetaAndLandsInTheWriteBack() throws Exception {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.RxRing[] rings = queues(rig);
            programRss(rig, Registers.MRQC_IPV4 | Registers.MRQC_TCP_IPV4 | Registers.MRQC_UDP_IPV4
                    | Registers.MRQC_IPV6 | Registers.MRQC_TCP_IPV6);
            long mac = rig.model.config().mac();
            int[] next = new int[QUEUES];
            expect(rig, rings, next, frame(mac, "66.9.149.187", 2794, "161.142.100.80", 1766, 6, false),
                    Descriptors.RSS_TYPE_TCP_IPV4, 0x51ccc178);
            expect(rig, rings, next, frame(mac, "199.92.111.2", 14230, "65.69.140.83", 4739, 6, false),
                    Descriptors.RSS_TYPE_TCP_IPV4, 0xc626b0ea);
            expect(rig, rings, next, frame(mac, "24.19.198.95", 12898, "12.22.207.184", 38024, 17, false),
                    Descriptors.RSS_TYPE_UDP_IPV4, 0x5c2b394a);
            expect(rig, rings, next, frame(mac, "38.27.205.30", 48228, "209.142.163.6", 2217, 6, true),
                    Descriptors.RSS_TYPE_IPV4, 0x82989176);   // a fragment: addresses only
            expect(rig, rings, next, frame(mac, "153.39.163.191", 44251, "202.188.127.2", 1303, 1, false),
                    Descriptors.RSS_TYPE_IPV4, 0x5d1809c5);   // ICMP: addresses only
            expect(rig, rings, next, frame(mac, "3ffe:2501:200:1fff::7", 2794, "3ffe:2501:200:3::1", 1766, 6, false),
                    Descriptors.RSS_TYPE_TCP_IPV6, 0x40207d3d);
            expect(rig, rings, next, frame(mac, "3ffe:501:8::260:97ff:fe40:efab", 14230, "ff02::1", 4739, 17, false),
                    Descriptors.RSS_TYPE_IPV6, 0x0f0c461c);   // UDP over IPv6 not selected in MRQC
            rig.model.assertNoFaults();
        }
    }

    @Test
    void mrqcFieldsSelectWhatIsHashed() throws Exception {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.RxRing[] rings = queues(rig);
            long mac = rig.model.config().mac();
            int[] next = new int[QUEUES];
            programRss(rig, Registers.MRQC_IPV4);
            expect(rig, rings, next, frame(mac, "66.9.149.187", 2794, "161.142.100.80", 1766, 6, false),
                    Descriptors.RSS_TYPE_IPV4, 0x323e8fc2);
            programRss(rig, Registers.MRQC_UDP_IPV6);
            expect(rig, rings, next, frame(mac, "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 44251,
                    "fe80::200:f8ff:fe21:67cf", 38024, 17, false), Descriptors.RSS_TYPE_UDP_IPV6, 0x02d1feef);
            expect(rig, rings, next, frame(mac, "66.9.149.187", 2794, "161.142.100.80", 1766, 6, false), 0, 0);
            rig.bar.write(Registers.MRQC, Registers.MRQC_IPV4 | Registers.MRQC_TCP_IPV4);   // MRQE 0: no RSS
            expect(rig, rings, next, frame(mac, "66.9.149.187", 2794, "161.142.100.80", 1766, 6, false), 0, 0);
            assertEquals(next[0], rig.model.peekStatistic(Registers.qprc(0)), "unhashed frames on queue 0");
            rig.model.assertNoFaults();
        }
    }

    @Test
    void frameWithoutAnIpHeaderGoesToQueueZeroUnhashed() {
        try (ModelRig rig = new ModelRig()) {
            ModelRig.RxRing[] rings = queues(rig);
            programRss(rig, Registers.MRQC_IPV4 | Registers.MRQC_IPV6);
            expect(rig, rings, new int[QUEUES], RxTest.frame(rig.model.config().mac(), 64, 1), 0, 0);
            rig.model.assertNoFaults();
        }
    }
}

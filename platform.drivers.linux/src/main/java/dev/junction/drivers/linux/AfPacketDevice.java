package dev.junction.drivers.linux;

import dev.junction.device.DeviceCounters;
import dev.junction.device.NetDevice;
import dev.junction.device.QueueCounters;
import dev.junction.device.RxQueue;
import dev.junction.device.TxQueue;
import dev.junction.os.Errno;
import dev.junction.os.Libc;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * An existing Linux interface (a veth end, a NIC) attached through two AF_PACKET sockets: receive
 * through a TPACKET_V3 ring (the kernel fills blocks of frames; a poll takes a whole burst with no
 * system call), transmit through a TPACKET_V2 ring (frames are written into the ring and one
 * {@code sendto} sends the batch). One receive queue, one transmit queue; a worker owns each.
 *
 * <p>Kernel offloads: a frame with a partial checksum (the sender offloaded it, as veth peers do) gets
 * its TCP/UDP checksum completed; a GSO super-frame larger than a buffer is dropped and counted as
 * an rx error: turn off TSO/GSO on the sending side ({@code ethtool -K IF tso off gso off}).
 */
public final class AfPacketDevice implements NetDevice, LinuxDrops, AutoCloseable {
    // linux/if_packet.h and linux/if_ether.h
    private static final int SOL_PACKET = 263;
    private static final int PACKET_ADD_MEMBERSHIP = 1;
    private static final int PACKET_RX_RING = 5;
    private static final int PACKET_STATISTICS = 6;
    private static final int PACKET_VERSION = 10;
    private static final int PACKET_TX_RING = 13;
    private static final int PACKET_QDISC_BYPASS = 20;
    private static final int PACKET_IGNORE_OUTGOING = 23;
    private static final int PACKET_MR_PROMISC = 1;
    private static final int TPACKET_V2 = 1;
    private static final int TPACKET_V3 = 2;
    private static final int ETH_P_ALL = 0x0003;

    // Many small blocks rather than a few big ones: the kernel retires a block after RX_RETIRE_MS
    // even when it holds one frame, so sparse traffic takes a block per frame. 256 blocks keep 2.5 s
    // of a 100 pps flow (or 2048 back-to-back frames) while receiving is held in a swap window.
    private static final int RX_BLOCK_SIZE = 1 << 14;
    private static final int RX_BLOCKS = 256;
    private static final int RX_FRAME_SIZE = 2048;
    private static final int RX_RETIRE_MS = 1; // a partly filled block reaches us within 1 ms
    private static final int TX_FRAME_SIZE = 2048;
    private static final int TX_BLOCK_SIZE = 1 << 16;
    private static final int TX_BLOCKS = 16;
    private static final int TX_FRAMES = TX_BLOCK_SIZE / TX_FRAME_SIZE * TX_BLOCKS;
    /** Where frame data starts in a TPACKET_V2 TX frame: the aligned tpacket2_hdr. */
    private static final int TX_DATA_OFFSET = 32;
    private static final int TP_STATUS_USER = 1;
    private static final int TP_STATUS_CSUMNOTREADY = 1 << 3;
    // The kernel takes an 802.1Q/802.1ad tag out of every received frame (skb_vlan_untag) before a
    // packet socket sees it, and says so in tpacket3_hdr: TCI at 32, TPID at 36 (hv1).
    private static final int TP_STATUS_VLAN_VALID = 1 << 4;
    private static final int TP_STATUS_VLAN_TPID_VALID = 1 << 6;
    private static final int VLAN_TAG = 4;
    private static final int TP_STATUS_AVAILABLE = 0;
    private static final int TP_STATUS_SEND_REQUEST = 1;
    private static final int TP_STATUS_WRONG_FORMAT = 4;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final ValueLayout.OfShort BIG_SHORT =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN);

    private final String name;
    private final String ifname;
    private final long mac;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment state = arena.allocate(Libc.CALL_STATE);
    private final int ifindex;
    private final int rxFd;
    private final MemorySegment rxRing;
    private final Rx rx = new Rx();
    /** One transmit socket and ring per worker, made when the core first asks: no sharing between threads. */
    private final PerWorkerTx<Tx> txs = new PerWorkerTx<>(Tx::new, t -> t.counters);

    /** Opens the rings on Linux interface {@code ifname}; throws IllegalStateException saying why it cannot. */
    public AfPacketDevice(String name, String ifname) {
        this.name = name;
        this.ifname = ifname;
        int ifindex = LinuxInterface.index(ifname);
        this.mac = LinuxInterface.mac(ifname);
        int rfd = -1;
        MemorySegment rring = MemorySegment.NULL;
        try {
            rfd = open(ifindex, ETH_P_ALL);
            setInt(rfd, PACKET_VERSION, TPACKET_V3);
            setInt(rfd, PACKET_IGNORE_OUTGOING, 1);
            MemorySegment req3 = arena.allocate(28);
            req3.set(ValueLayout.JAVA_INT, 0, RX_BLOCK_SIZE);
            req3.set(ValueLayout.JAVA_INT, 4, RX_BLOCKS);
            req3.set(ValueLayout.JAVA_INT, 8, RX_FRAME_SIZE);
            req3.set(ValueLayout.JAVA_INT, 12, RX_BLOCK_SIZE / RX_FRAME_SIZE * RX_BLOCKS);
            req3.set(ValueLayout.JAVA_INT, 16, RX_RETIRE_MS);
            check(Libc.setsockopt(state, rfd, SOL_PACKET, PACKET_RX_RING, req3), "PACKET_RX_RING");
            rring = Libc.mmap(state, (long) RX_BLOCK_SIZE * RX_BLOCKS, rfd);
            if (rring.equals(MemorySegment.NULL)) {
                throw Errno.failure("mmap of the receive ring", state);
            }
            bind(rfd, ifindex, ETH_P_ALL);
            MemorySegment mreq = arena.allocate(16);
            mreq.set(ValueLayout.JAVA_INT, 0, ifindex);
            mreq.set(ValueLayout.JAVA_SHORT, 4, (short) PACKET_MR_PROMISC);
            check(Libc.setsockopt(state, rfd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq), "promiscuous mode");

            this.rxFd = rfd;
            this.rxRing = rring;
            this.ifindex = ifindex;
        } catch (RuntimeException e) {
            if (!rring.equals(MemorySegment.NULL)) {
                Libc.munmap(state, rring);
            }
            if (rfd >= 0) {
                Libc.close(state, rfd);
            }
            arena.close();
            throw new IllegalStateException("AF_PACKET on " + ifname + ": " + e.getMessage(), e);
        }
    }

    private int open(int ifindex, int protocol) {
        return open(arena, state, protocol);
    }

    private static int open(Arena arena, MemorySegment state, int protocol) {
        int fd = Libc.socket(state, Libc.AF_PACKET, Libc.SOCK_RAW, Short.reverseBytes((short) protocol) & 0xFFFF);
        if (fd < 0) {
            throw Errno.failure("socket(AF_PACKET)", state);
        }
        return fd;
    }

    private void bind(int fd, int ifindex, int protocol) {
        bind(arena, state, fd, ifindex, protocol, ifname);
    }

    private static void bind(Arena arena, MemorySegment state, int fd, int ifindex, int protocol, String ifname) {
        MemorySegment sll = arena.allocate(20);
        sll.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_PACKET);
        sll.set(ValueLayout.JAVA_SHORT, 2, Short.reverseBytes((short) protocol));
        sll.set(ValueLayout.JAVA_INT, 4, ifindex);
        check(state, Libc.bind(state, fd, sll), "bind to " + ifname);
    }

    private void setInt(int fd, int option, int value) {
        setInt(arena, state, fd, option, value);
    }

    private static void setInt(Arena arena, MemorySegment state, int fd, int option, int value) {
        check(state, Libc.setsockoptInt(arena, state, fd, SOL_PACKET, option, value), "setsockopt " + option);
    }

    private void check(int rc, String what) {
        check(state, rc, what);
    }

    private static void check(MemorySegment state, int rc, String what) {
        if (rc != 0) {
            throw Errno.failure(what, state);
        }
    }

    public String ifname() {
        return ifname;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String driver() {
        return "af_packet " + ifname;
    }

    @Override
    public long mac() {
        return mac;
    }

    @Override
    public int mtu() {
        return LinuxInterface.mtu(ifname);
    }

    @Override
    public boolean linkUp() {
        return LinuxInterface.carrier(ifname);
    }

    @Override
    public int rxQueueCount() {
        return 1;
    }

    @Override
    public RxQueue rxQueue(int q) {
        return rx;
    }

    @Override
    public TxQueue txQueue(int worker) {
        return txs.get(worker);
    }

    @Override
    public DeviceCounters counters() {
        DeviceCounters c = txs.counters(rx.counters);
        long dropped = kernelDrops();
        return new DeviceCounters(c.rxPackets(), c.rxBytes(), c.rxErrors() + dropped, c.txPackets(), c.txBytes(), c.txErrors());
    }

    /** {@link #counters()}'s errors by reason ({@code linux:drops}). */
    @Override
    public java.util.Map<String, Long> drops() {
        DeviceCounters c = txs.counters(rx.counters);
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("rx ring full (kernel)", kernelDrops());
        m.put("rx frame larger than a buffer (a GSO super-frame) or truncated", c.rxErrors());
        m.put("tx frame larger than the TX ring's frame", c.txErrors());
        return m;
    }

    private long kernelDropped;

    /**
     * Frames the kernel dropped because the receive ring was full (PACKET_STATISTICS, which resets on
     * each read, so they are summed here): counted as rx errors, never lost silently.
     */
    private synchronized long kernelDrops() {
        if (closed) {
            return kernelDropped;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment stats = a.allocate(12); // tpacket_stats_v3: packets, drops, freeze_q_cnt
            MemorySegment len = a.allocate(ValueLayout.JAVA_INT);
            len.set(ValueLayout.JAVA_INT, 0, 12);
            MemorySegment st = a.allocate(Libc.CALL_STATE);
            if (Libc.getsockopt(st, rxFd, SOL_PACKET, PACKET_STATISTICS, stats, len) == 0) {
                kernelDropped += Integer.toUnsignedLong(stats.get(ValueLayout.JAVA_INT, 4));
            }
        }
        return kernelDropped;
    }

    private boolean closed;

    @Override
    public synchronized void close() {
        closed = true;
        for (Tx t : txs.all()) {
            t.close();
        }
        Libc.munmap(state, rxRing);
        Libc.close(state, rxFd);
        arena.close();
    }

    /** Walks the TPACKET_V3 blocks the kernel handed over; gives each block back as soon as it is read. */
    private final class Rx implements RxQueue {
        final QueueCounters counters = new QueueCounters();
        private int block;
        private int left; // frames left in the open block; 0: no block open
        private long frame; // offset of the next frame in the ring

        @Override
        public int receive(PacketPool pool, PacketVector into, int max) {
            MemorySegment ring = rxRing;
            MemorySegment mem = pool.memory();
            int n = 0;
            long bytes = 0;
            while (n < max && !into.isFull()) {
                long blk = (long) block * RX_BLOCK_SIZE;
                if (left == 0) {
                    if (((int) INT.getAcquire(ring, blk + 8) & TP_STATUS_USER) == 0) {
                        break; // the kernel has not retired this block yet
                    }
                    left = ring.get(ValueLayout.JAVA_INT, blk + 12);
                    frame = blk + ring.get(ValueLayout.JAVA_INT, blk + 16);
                    if (left == 0) {
                        releaseBlock(ring, blk);
                        continue;
                    }
                }
                int snaplen = ring.get(ValueLayout.JAVA_INT, frame + 12);
                int len = ring.get(ValueLayout.JAVA_INT, frame + 16);
                int status = ring.get(ValueLayout.JAVA_INT, frame + 20);
                int tag = (status & TP_STATUS_VLAN_VALID) != 0 && snaplen >= 12 ? VLAN_TAG : 0;
                if (snaplen != len || snaplen + tag > PacketPool.DATA_ROOM) {
                    counters.errors++; // a GSO super-frame or a truncated one
                } else {
                    int b = pool.allocate();
                    if (b < 0) {
                        break; // no buffer: leave the frame for the next poll
                    }
                    int macOff = Short.toUnsignedInt(ring.get(ValueLayout.JAVA_SHORT, frame + 24));
                    long dst = pool.data(b);
                    if (tag == 0) {
                        MemorySegment.copy(ring, frame + macOff, mem, dst, snaplen);
                    } else {
                        // Put the tag back where it was on the wire: after the MACs, before the ethertype.
                        int tpid = (status & TP_STATUS_VLAN_TPID_VALID) != 0
                                ? Short.toUnsignedInt(ring.get(ValueLayout.JAVA_SHORT, frame + 36)) : 0x8100;
                        int tci = ring.get(ValueLayout.JAVA_INT, frame + 32) & 0xFFFF;
                        MemorySegment.copy(ring, frame + macOff, mem, dst, 12);
                        mem.set(BIG_SHORT, dst + 12, (short) tpid);
                        mem.set(BIG_SHORT, dst + 14, (short) tci);
                        MemorySegment.copy(ring, frame + macOff + 12, mem, dst + 16, snaplen - 12);
                    }
                    int frameLen = snaplen + tag;
                    if ((status & TP_STATUS_CSUMNOTREADY) != 0) {
                        Checksums.complete(mem, dst, frameLen);
                    }
                    pool.length(b, frameLen);
                    into.add(b);
                    n++;
                    bytes += frameLen;
                }
                int next = ring.get(ValueLayout.JAVA_INT, frame);
                frame += next;
                if (--left == 0) {
                    releaseBlock(ring, blk);
                }
            }
            counters.packets += n;
            counters.bytes += bytes;
            return n;
        }

        private void releaseBlock(MemorySegment ring, long blk) {
            INT.setRelease(ring, blk + 8, 0); // TP_STATUS_KERNEL: the kernel may fill it again
            block = (block + 1) % RX_BLOCKS;
            left = 0;
        }
    }

    /** Copies frames into free TPACKET_V2 slots, then one sendto sends them all. */
    private final class Tx implements TxQueue {
        final QueueCounters counters = new QueueCounters();
        private final Arena txArena = Arena.ofShared();
        private final MemorySegment txState = txArena.allocate(Libc.CALL_STATE);
        private final int fd;
        private final MemorySegment ring;
        private int slot;

        Tx() {
            int f = -1;
            try {
                f = open(txArena, txState, 0); // protocol 0: this socket receives nothing
                setInt(txArena, txState, f, PACKET_VERSION, TPACKET_V2);
                setInt(txArena, txState, f, PACKET_QDISC_BYPASS, 1);
                MemorySegment req = txArena.allocate(16);
                req.set(ValueLayout.JAVA_INT, 0, TX_BLOCK_SIZE);
                req.set(ValueLayout.JAVA_INT, 4, TX_BLOCKS);
                req.set(ValueLayout.JAVA_INT, 8, TX_FRAME_SIZE);
                req.set(ValueLayout.JAVA_INT, 12, TX_FRAMES);
                check(txState, Libc.setsockopt(txState, f, SOL_PACKET, PACKET_TX_RING, req), "PACKET_TX_RING");
                MemorySegment r = Libc.mmap(txState, (long) TX_BLOCK_SIZE * TX_BLOCKS, f);
                if (r.equals(MemorySegment.NULL)) {
                    throw Errno.failure("mmap of the transmit ring", txState);
                }
                bind(txArena, txState, f, ifindex, 0, ifname);
                fd = f;
                ring = r;
            } catch (RuntimeException e) {
                if (f >= 0) {
                    Libc.close(txState, f);
                }
                txArena.close();
                throw e;
            }
        }

        void close() {
            Libc.munmap(txState, ring);
            Libc.close(txState, fd);
            txArena.close();
        }

        @Override
        public int transmit(PacketPool pool, PacketVector packets) {
            MemorySegment mem = pool.memory();
            int n = packets.count();
            int taken = 0;
            int queued = 0;
            long bytes = 0;
            for (; taken < n; taken++) {
                long f = (long) slot * TX_FRAME_SIZE;
                int status = (int) INT.getAcquire(ring, f);
                if (status != TP_STATUS_AVAILABLE && status != TP_STATUS_WRONG_FORMAT) {
                    break; // ring full: the kernel has not sent these yet
                }
                int b = packets.buffer(taken);
                int len = pool.length(b);
                if (len > TX_FRAME_SIZE - TX_DATA_OFFSET) {
                    counters.errors++;
                } else {
                    MemorySegment.copy(mem, pool.data(b), ring, f + TX_DATA_OFFSET, len);
                    ring.set(ValueLayout.JAVA_INT, f + 4, len);
                    INT.setRelease(ring, f, TP_STATUS_SEND_REQUEST);
                    slot = (slot + 1) % TX_FRAMES;
                    queued++;
                    bytes += len;
                }
                pool.free(b);
            }
            if (queued > 0) {
                Libc.sendto(txState, fd, 0, 0, Libc.MSG_DONTWAIT); // no data: the kernel sends what the ring holds
            }
            counters.packets += queued;
            counters.bytes += bytes;
            return taken;
        }
    }
}

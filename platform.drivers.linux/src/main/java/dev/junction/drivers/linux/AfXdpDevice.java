package dev.junction.drivers.linux;

import dev.junction.device.DeviceCounters;
import dev.junction.device.NetDevice;
import dev.junction.device.RxQueue;
import dev.junction.device.TxQueue;
import dev.junction.packet.PacketPool;
import dev.junction.packet.PacketVector;
import dev.junction.os.Errno;
import dev.junction.os.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * An existing Linux interface attached through AF_XDP sockets, one on each of its first
 * {@code queues} receive queues. An XDP program of six
 * instructions, loaded through bpf(2) ({@link Bpf}), redirects each frame to the socket in an XSKMAP
 * at the frame's receive queue index, or passes it to the kernel when no socket sits there; a BPF
 * link attaches it, so closing the link's descriptor (removing the device, or the process dying)
 * detaches it and leaves the interface to the kernel. Each socket's UMEM is the packet pool of the
 * worker that polls its queue ({@link XskSocket}): frames reach the graph and leave it by buffer
 * number. The engine deals the queues out to the workers; a worker transmits through the socket of
 * the queue it polls (its UMEM is that worker's pool), so give each worker a queue of the device
 * (queues at least the workers): a worker that polls none of them has no socket to send on, and its
 * frames for this interface are dropped and counted ("no socket of this worker's pool"). The kernel
 * picks a frame's receive queue (the sender's flow hash on veth, RSS on a NIC): one flow, one queue.
 *
 * <p>Mode: {@code native} attaches in driver mode (XDP_FLAGS_DRV_MODE), {@code generic} in skb mode,
 * {@code auto} tries native and falls back to generic; {@link #driver()} says which ran, and whether
 * the kernel bound the sockets zero-copy or copy.
 *
 * <p>Offloads: the socket sees no checksum status, so a peer that offloads its TCP/UDP checksum
 * (veth does by default) must turn that off ({@code ethtool -K IF tx off}); frames larger than a
 * buffer's 1,920 bytes after the kernel's 256 bytes of XDP headroom are dropped by the kernel and
 * counted as rx errors.
 */
public final class AfXdpDevice implements NetDevice, LinuxDrops, AutoCloseable {
    /** How to attach the program. */
    public enum Mode {
        NATIVE, GENERIC, AUTO;

        public static Mode parse(String s) {
            return switch (s) {
                case "native" -> NATIVE;
                case "generic" -> GENERIC;
                case "auto" -> AUTO;
                default -> throw new IllegalArgumentException("mode must be native, generic or auto, not '" + s + "'");
            };
        }
    }

    /** Entries in each of the four rings. */
    static final int RING_SIZE = 1024;
    private static final int EOPNOTSUPP = 95;

    private final String name;
    private final String ifname;
    private final long mac;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment state = arena.allocate(Libc.CALL_STATE);
    private final int mapFd;
    private final int progFd;
    private final int linkFd;
    private final String attachedMode;
    private final XskSocket[] sockets;
    private final RxQueue[] rx;
    private boolean closed;

    /** Attaches to queue 0 of Linux interface {@code ifname}; see {@link #AfXdpDevice(String, String, Mode, int)}. */
    public AfXdpDevice(String name, String ifname, Mode mode) {
        this(name, ifname, mode, 1);
    }

    /**
     * Attaches to the first {@code queues} receive queues of Linux interface {@code ifname}; throws
     * IllegalStateException with one line saying why it cannot.
     */
    public AfXdpDevice(String name, String ifname, Mode mode, int queues) {
        this.name = name;
        this.ifname = ifname;
        int ifindex;
        try {
            ifindex = LinuxInterface.index(ifname);
        } catch (IllegalArgumentException e) {
            arena.close();
            throw new IllegalStateException("AF_XDP on " + ifname + ": " + e.getMessage());
        }
        this.mac = LinuxInterface.mac(ifname);
        int has = LinuxInterface.rxQueues(ifname);
        if (queues < 1 || queues > has) {
            arena.close();
            throw new IllegalStateException("AF_XDP on " + ifname + ": queues must be 1.." + has + " (the interface has " + has
                    + " receive queue" + (has == 1 ? "" : "s") + "), not " + queues);
        }
        XskSocket[] s = new XskSocket[queues];
        int map = -1, prog = -1, link = -1;
        try {
            for (int q = 0; q < queues; q++) {
                s[q] = new XskSocket(ifname, ifindex, q, RING_SIZE);
            }
            map = Bpf.createXskMap(arena, state, queues);
            if (map < 0) {
                throw bpfFailure("creating the XSKMAP");
            }
            prog = Bpf.loadRedirect(arena, state, map, null);
            if (prog < 0) {
                MemorySegment log = arena.allocate(4096);
                prog = Bpf.loadRedirect(arena, state, map, log);
                if (prog < 0) {
                    String text = log.getString(0, StandardCharsets.US_ASCII).strip().replace('\n', ' ');
                    throw new IllegalStateException(bpfFailure("loading the XDP program").getMessage()
                            + (text.isEmpty() ? "" : ": verifier: " + text));
                }
            }
            String ran;
            if (mode == Mode.GENERIC) {
                link = Bpf.attach(arena, state, prog, ifindex, Bpf.XDP_FLAGS_SKB_MODE);
                ran = "generic";
            } else {
                link = Bpf.attach(arena, state, prog, ifindex, Bpf.XDP_FLAGS_DRV_MODE);
                ran = "native";
                if (link < 0 && mode == Mode.AUTO && Errno.of(state) != Errno.EBUSY) {
                    link = Bpf.attach(arena, state, prog, ifindex, Bpf.XDP_FLAGS_SKB_MODE);
                    ran = "generic";
                }
            }
            if (link < 0) {
                int e = Errno.of(state);
                throw new IllegalStateException(e == EOPNOTSUPP ? "the driver of " + ifname + " has no native XDP (try mode generic or auto)"
                        : e == Errno.EBUSY ? ifname + " already has an XDP program (see ip link show " + ifname + ")"
                        : bpfFailure("attaching the XDP program in " + ran + " mode").getMessage());
            }
            this.sockets = s;
            this.mapFd = map;
            this.progFd = prog;
            this.linkFd = link;
            this.attachedMode = ran;
        } catch (RuntimeException e) {
            Libc.close(state, link);
            Libc.close(state, prog);
            Libc.close(state, map);
            for (XskSocket x : s) {
                if (x != null) {
                    x.close();
                }
            }
            arena.close();
            throw new IllegalStateException("AF_XDP on " + ifname + ": " + e.getMessage(), e);
        }
        int m = mapFd;
        this.rx = new RxQueue[queues];
        for (int q = 0; q < queues; q++) {
            XskSocket sock = sockets[q];
            rx[q] = new RxQueue() {
                @Override
                public int receive(PacketPool pool, PacketVector into, int max) {
                    return sock.receive(pool, into, max, m);
                }

                @Override
                public void releaseRx(PacketPool pool) {
                    sock.release(pool);
                }
            };
        }
    }

    /**
     * A worker's transmit side: the socket whose UMEM is the worker's pool (the one of the queue it
     * polls), found on the first frame and again only after that socket is released.
     */
    private final class WorkerTx implements TxQueue {
        private XskSocket socket;

        @Override
        public int transmit(PacketPool pool, PacketVector packets) {
            XskSocket s = socket;
            if (s == null || !s.owns(pool)) {
                s = null;
                for (XskSocket x : sockets) {
                    if (x.owns(pool)) {
                        s = x;
                        break;
                    }
                }
                socket = s;
                if (s == null) {
                    int n = packets.count();
                    for (int i = 0; i < n; i++) {
                        pool.free(packets.buffer(i));
                    }
                    noSocket.add(n);
                    return n;
                }
            }
            return s.transmit(pool, packets);
        }

        @Override
        public void releaseTx(PacketPool pool) {
            XskSocket s = socket;
            socket = null;
            if (s != null) {
                s.release(pool);
            }
        }
    }

    /** Frames a worker had to send here without a socket of its pool (it polls none of the queues). */
    private final java.util.concurrent.atomic.LongAdder noSocket = new java.util.concurrent.atomic.LongAdder();

    private IllegalStateException bpfFailure(String what) {
        int e = Errno.of(state);
        if (e == Errno.EPERM) {
            return new IllegalStateException(what + " failed: EPERM (bpf needs root or CAP_BPF + CAP_NET_ADMIN)");
        }
        return Errno.failure(what, state);
    }

    public String ifname() {
        return ifname;
    }

    /** {@code native} or {@code generic}: the XDP mode the program was attached in. */
    public String xdpMode() {
        return attachedMode;
    }

    /** Whether queue 0's socket is bound zero-copy (the driver DMAs into the UMEM); false for copy mode, and before binding. */
    public boolean zeroCopy() {
        return sockets[0].zeroCopy();
    }

    /** Frames one copy-mode sendto of the first queue's socket may send: its TX ring's size on Linux 6.17 and later, else 32. */
    int txBudget() {
        return sockets[0].txBudget();
    }

    /** The entries of each ring of each queue's socket. */
    int ringSize() {
        return sockets[0].ringSize;
    }

    /** Why a socket could not bind on its worker, or null. */
    public String failure() {
        for (XskSocket x : sockets) {
            if (x.failure() != null) {
                return x.failure();
            }
        }
        return null;
    }

    /** Frames received on each queue, for a test or a status line (control path). */
    public long[] rxPacketsPerQueue() {
        long[] r = new long[sockets.length];
        for (int q = 0; q < r.length; q++) {
            r[q] = sockets[q].rxCounters.packets;
        }
        return r;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String driver() {
        int bound = 0;
        for (XskSocket x : sockets) {
            bound += x.bound() ? 1 : 0;
        }
        String bind = failure() != null ? "bind failed" : bound == 0 ? "unbound" : sockets[0].zeroCopy() ? "zero-copy" : "copy";
        String q = sockets.length == 1 ? "" : " queues " + bound + "/" + sockets.length + " bound";
        return "af_xdp " + ifname + " " + attachedMode + q + " " + bind;
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
        return rx.length;
    }

    @Override
    public RxQueue rxQueue(int q) {
        return rx[q];
    }

    @Override
    public TxQueue txQueue(int worker) {
        return new WorkerTx();
    }

    /** The driver's and the kernel's drop counters by name, summed over the queues ({@code linux:drops}, a test). */
    @Override
    public synchronized java.util.Map<String, Long> drops() {
        long[] k = kernelStatistics();
        long fillShort = 0, txFull = 0, invalid = 0, foreign = 0;
        for (XskSocket x : sockets) {
            fillShort += x.fillPoolEmpty;
            txFull += x.txRingFull;
            invalid += x.invalidDescriptors;
            foreign += x.foreignPool;
        }
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("fill ring empty (kernel)", k[4]);
        m.put("rx ring full (kernel)", k[3]);
        m.put("rx dropped (kernel: too large, or no fill buffer)", k[0]);
        m.put("invalid descriptors (kernel rx/tx)", k[1] + k[2]);
        m.put("fill ring short of pool buffers", fillShort);
        m.put("tx ring full", txFull);
        m.put("invalid descriptors", invalid);
        m.put("tx before the socket was bound", foreign);
        m.put("no socket of this worker's pool", noSocket.sum());
        return m;
    }

    private long[] kernelStatistics() {
        long[] k = new long[6];
        if (!closed) {
            for (XskSocket x : sockets) {
                long[] s = x.kernelStatistics();
                for (int i = 0; i < k.length; i++) {
                    k[i] += s[i];
                }
            }
        }
        return k;
    }

    @Override
    public synchronized DeviceCounters counters() {
        long[] k = kernelStatistics();
        long rxp = 0, rxb = 0, rxe = 0, txp = 0, txb = 0, txe = noSocket.sum();
        for (XskSocket x : sockets) {
            rxp += x.rxCounters.packets;
            rxb += x.rxCounters.bytes;
            rxe += x.rxCounters.errors + x.invalidDescriptors;
            txp += x.txCounters.packets;
            txb += x.txCounters.bytes;
            txe += x.txCounters.errors;
        }
        return new DeviceCounters(rxp, rxb, rxe + k[0] + k[1] + k[3], txp, txb, txe + k[2]);
    }

    /** Detaches the program (closing the link), closes the socket and unmaps its rings. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Libc.close(state, linkFd);
        for (XskSocket x : sockets) {
            x.close();
        }
        Libc.close(state, progFd);
        Libc.close(state, mapFd);
        arena.close();
    }
}

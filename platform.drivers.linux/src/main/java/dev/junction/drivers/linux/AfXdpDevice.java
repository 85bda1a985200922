package dev.junction.drivers.linux;

import dev.junction.device.DeviceCounters;
import dev.junction.device.NetDevice;
import dev.junction.device.RxQueue;
import dev.junction.device.TxQueue;
import dev.junction.os.Errno;
import dev.junction.os.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * An existing Linux interface attached through an AF_XDP socket on its queue 0. An XDP program of six
 * instructions, loaded through bpf(2) ({@link Bpf}), redirects each frame to the socket in an XSKMAP
 * at the frame's receive queue index, or passes it to the kernel when no socket sits there; a BPF
 * link attaches it, so closing the link's descriptor (removing the device, or the process dying)
 * detaches it and leaves the interface to the kernel. The socket's UMEM is the polling worker's
 * packet pool ({@link XskSocket}): frames reach the graph and leave it by buffer number.
 *
 * <p>Mode: {@code native} attaches in driver mode (XDP_FLAGS_DRV_MODE), {@code generic} in skb mode,
 * {@code auto} tries native and falls back to generic; {@link #driver()} says which ran, and whether
 * the kernel bound the socket zero-copy or copy. One queue: a second worker that transmits here has
 * another pool, which is not this socket's UMEM, and its frames are dropped and counted.
 *
 * <p>Offloads: the socket sees no checksum status, so a peer that offloads its TCP/UDP checksum
 * (veth does by default) must turn that off ({@code ethtool -K IF tx off}); frames larger than a
 * buffer's 1,920 bytes after the kernel's 256 bytes of XDP headroom are dropped by the kernel and
 * counted as rx errors.
 */
public final class AfXdpDevice implements NetDevice, AutoCloseable {
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
    private final XskSocket socket;
    private final RxQueue rx;
    private final TxQueue tx;
    private boolean closed;

    /** Attaches to Linux interface {@code ifname}; throws IllegalStateException with one line saying why it cannot. */
    public AfXdpDevice(String name, String ifname, Mode mode) {
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
        XskSocket s = null;
        int map = -1, prog = -1, link = -1;
        try {
            s = new XskSocket(ifname, ifindex, 0, RING_SIZE);
            map = Bpf.createXskMap(arena, state, 1);
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
            this.socket = s;
            this.mapFd = map;
            this.progFd = prog;
            this.linkFd = link;
            this.attachedMode = ran;
        } catch (RuntimeException e) {
            Libc.close(state, link);
            Libc.close(state, prog);
            Libc.close(state, map);
            if (s != null) {
                s.close();
            }
            arena.close();
            throw new IllegalStateException("AF_XDP on " + ifname + ": " + e.getMessage(), e);
        }
        XskSocket sock = socket;
        int m = mapFd;
        this.rx = new RxQueue() {
            @Override
            public int receive(dev.junction.packet.PacketPool pool, dev.junction.packet.PacketVector into, int max) {
                return sock.receive(pool, into, max, m);
            }

            @Override
            public void releaseRx(dev.junction.packet.PacketPool pool) {
                sock.release(pool);
            }
        };
        this.tx = new TxQueue() {
            @Override
            public int transmit(dev.junction.packet.PacketPool pool, dev.junction.packet.PacketVector packets) {
                return sock.transmit(pool, packets, m);
            }

            @Override
            public void releaseTx(dev.junction.packet.PacketPool pool) {
                sock.release(pool);
            }
        };
    }

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

    /** Whether the socket is bound zero-copy (the driver DMAs into the UMEM); false for copy mode, and before binding. */
    public boolean zeroCopy() {
        return socket.zeroCopy();
    }

    /** Why the socket could not bind on its worker, or null. */
    public String failure() {
        return socket.failure();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String driver() {
        String bind = socket.failure() != null ? "bind failed" : !socket.bound() ? "unbound" : socket.zeroCopy() ? "zero-copy" : "copy";
        return "af_xdp " + ifname + " " + attachedMode + " " + bind;
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
        return tx;
    }

    /** The driver's and the kernel's drop counters by name, for a status line or a test. */
    public synchronized java.util.Map<String, Long> drops() {
        long[] k = closed ? new long[6] : socket.kernelStatistics();
        java.util.Map<String, Long> m = new java.util.LinkedHashMap<>();
        m.put("fill ring empty (kernel)", k[4]);
        m.put("rx ring full (kernel)", k[3]);
        m.put("rx dropped (kernel: too large, or no fill buffer)", k[0]);
        m.put("invalid descriptors (kernel rx/tx)", k[1] + k[2]);
        m.put("fill ring short of pool buffers", socket.fillPoolEmpty);
        m.put("tx ring full", socket.txRingFull);
        m.put("invalid descriptors", socket.invalidDescriptors);
        m.put("other worker's pool", socket.foreignPool);
        return m;
    }

    @Override
    public synchronized DeviceCounters counters() {
        long[] k = closed ? new long[6] : socket.kernelStatistics();
        long rxErrors = socket.rxCounters.errors + socket.invalidDescriptors + k[0] + k[1] + k[3];
        return new DeviceCounters(socket.rxCounters.packets, socket.rxCounters.bytes, rxErrors,
                socket.txCounters.packets, socket.txCounters.bytes, socket.txCounters.errors + k[2]);
    }

    /** Detaches the program (closing the link), closes the socket and unmaps its rings. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Libc.close(state, linkFd);
        socket.close();
        Libc.close(state, progFd);
        Libc.close(state, mapFd);
        arena.close();
    }
}

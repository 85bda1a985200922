package dev.junction.fuzz;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * Frames for fuzzing: a valid frame of one of the protocols Junction's nodes read (a template,
 * written fresh each time with addresses drawn from an {@link Addresses} plan so that lookups hit real
 * routes and neighbours), then mutated: truncated, extended, bits flipped, bytes set to edge values,
 * length fields lying (IPv4 total length and IHL, IPv6 payload length, UDP length, ARP address
 * lengths, ICMP quotes, ND option lengths, extension header lengths), VLAN tags inserted or removed,
 * ranges overwritten with random bytes; or random bytes altogether. Checksums are then recomputed
 * for most frames (over whatever the lying lengths say), so that a lie gets past a checksum test and
 * reaches the code that trusts the length.
 *
 * <p>A frame is determined by its seed alone: {@link #frame(long, byte[])} twice with one seed writes
 * the same bytes, and {@link #describe(long)} says what was done to it.
 */
public final class FrameFuzzer {
    /** The templates. */
    public enum Protocol {
        IP4_UDP, IP4_TCP, IP4_ICMP, IP4_ICMP_ERROR, IP4_OPTIONS, IP4_FRAGMENT, ARP, IP6_UDP, IP6_ICMP, IP6_NS, IP6_NA,
        IP6_ND_OTHER, IP6_EXTENSION, MPLS, EXAMPLE, RANDOM, VXLAN4, VXLAN6, NVGRE4, NVGRE6
    }

    /**
     * What a frame's addresses are drawn from: MACs, IPv4 addresses and IPv6 addresses (high and low
     * halves) the graph under test knows: its own, its neighbours', routed and unrouted ones.
     */
    public record Addresses(long[] macs, int[] ip4, long[] ip6High, long[] ip6Low) {
    }

    /** Largest frame written: a buffer's data room. */
    public static final int MAX_FRAME = 2048;
    private static final int ETH = 14;
    private static final int CK_NONE = 0, CK_IP4 = 1, CK_IP6 = 2;
    private static final int[] EDGE_8 = {0, 1, 2, 0x3F, 0x40, 0x45, 0x46, 0x4F, 0x60, 0x7F, 0x80, 0x87, 0x88, 0xFE, 0xFF};
    private static final int[] TPIDS = {0x8100, 0x88A8, 0x9100};
    private static final String[] MUTATIONS = {"truncate", "extend", "bit-flip", "byte-set", "length-lie", "vlan-tag",
        "random-bytes"};
    private static final int[] MUTATION_WEIGHTS = {2, 1, 3, 2, 5, 1, 1};

    private final Addresses plan;
    private final Protocol[] mix;
    private final int bigPercent;
    private final int fixPercent;
    private int lowHopPercent = 15;
    private int dontFragmentPercent = 20;
    private int planPercent6 = 65;
    private final FuzzRandom rng = new FuzzRandom(0);
    private StringBuilder log;

    // The frame being written: its layer-3 and layer-4 offsets, checksum kind, and its length fields.
    private int l3, l4, checksum;
    private final int[] fieldAt = new int[32];
    private final int[] fieldBits = new int[32];
    private int fields;

    /**
     * @param mix        the templates to choose from, uniformly (repeat one to weight it)
     * @param bigPercent how often a payload is large (hundreds to 1500 bytes), for fragmentation and MTUs
     * @param fixPercent how often checksums are recomputed after the mutations
     */
    public FrameFuzzer(Addresses plan, Protocol[] mix, int bigPercent, int fixPercent) {
        this.plan = plan;
        this.mix = mix.clone();
        this.bigPercent = bigPercent;
        this.fixPercent = fixPercent;
    }

    public FrameFuzzer(Addresses plan, Protocol... mix) {
        this(plan, mix, 10, 70);
    }

    /** How often a TTL or hop limit is 0, 1 or 2 (default 15%): more, to reach the time-exceeded nodes. */
    public FrameFuzzer lowHops(int percent) {
        lowHopPercent = percent;
        return this;
    }

    /**
     * How often an IPv6 address comes from the plan (default 65%); the others are link-local, group,
     * unspecified or random ones in fixed shares.
     */
    public FrameFuzzer planned6(int percent) {
        planPercent6 = percent;
        return this;
    }

    /** How often an IPv4 packet has DF set (default 20%). */
    public FrameFuzzer dontFragment(int percent) {
        dontFragmentPercent = percent;
        return this;
    }

    /** Writes the frame of {@code seed} into {@code out} (at least {@link #MAX_FRAME} bytes); returns its length. */
    public int frame(long seed, byte[] out) {
        rng.seed(seed);
        fields = 0;
        checksum = CK_NONE;
        l3 = ETH;
        l4 = -1;
        Protocol p = mix[rng.nextInt(mix.length)];
        note(p.name().toLowerCase());
        int len = template(p, out);
        int mutations = mutationCount();
        for (int k = 0; k < mutations; k++) {
            len = mutate(out, len);
        }
        if (mutations == 0 || rng.percent(fixPercent)) {
            fixChecksums(out, len);
            note("checksums fixed");
        }
        return len;
    }

    /** What {@link #frame} does for {@code seed}: the template, each mutation, and the frame in hex. */
    public String describe(long seed) {
        byte[] f = new byte[MAX_FRAME];
        log = new StringBuilder();
        try {
            int len = frame(seed, f);
            return log + "\n    " + len + " bytes: " + HexFormat.of().formatHex(f, 0, len);
        } finally {
            log = null;
        }
    }

    private void note(String what) {
        if (log != null) {
            log.append(log.isEmpty() ? "" : ", ").append(what);
        }
    }

    private int mutationCount() {
        int r = rng.nextInt(100);
        return r < 30 ? 0 : r < 65 ? 1 : r < 85 ? 2 : rng.between(3, 5);
    }

    // ---- templates ----

    private int template(Protocol p, byte[] f) {
        return switch (p) {
            case IP4_UDP -> ip4(f, 17, udp(f, ETH + 20, payload()));
            case IP4_TCP -> ip4(f, 6, tcp(f, ETH + 20, payload()));
            case IP4_ICMP -> ip4(f, 1, icmp4(f, ETH + 20));
            case IP4_ICMP_ERROR -> ip4(f, 1, icmp4Error(f, ETH + 20));
            case IP4_OPTIONS -> ip4Options(f);
            case IP4_FRAGMENT -> ip4Fragment(f);
            case ARP -> arp(f);
            case IP6_UDP -> ip6(f, 17, 64, udp(f, ETH + 40, payload()));
            case IP6_ICMP -> ip6(f, 58, rng.percent(50) ? 64 : 255, icmp6(f, ETH + 40));
            case IP6_NS -> neighbourMessage(f, 135);
            case IP6_NA -> neighbourMessage(f, 136);
            case IP6_ND_OTHER -> ip6(f, 58, 255, ndOther(f, ETH + 40));
            case IP6_EXTENSION -> ip6Extension(f);
            case MPLS -> mpls(f);
            case VXLAN4 -> ip4(f, 17, vxlan(f, ETH + 20));
            case VXLAN6 -> ip6(f, 17, 64, vxlan(f, ETH + 40));
            case NVGRE4 -> ip4(f, 47, nvgre(f, ETH + 20));
            case NVGRE6 -> ip6(f, 47, 64, nvgre(f, ETH + 40));
            case EXAMPLE -> {
                ethernet(f, 0x88B5);
                int n = rng.between(0, 100);
                randomBytes(f, ETH, n);
                yield ETH + n;
            }
            case RANDOM -> {
                int n = rng.percent(80) ? rng.between(0, 80) : rng.between(0, 600);
                randomBytes(f, 0, n);
                if (n >= ETH && rng.percent(60)) {
                    put16(f, 12, rng.pick(new int[] {0x0800, 0x86DD, 0x0806, 0x8847, 0x88B5, 0x8100}));
                }
                yield n;
            }
        };
    }

    /** A payload length: mostly small, sometimes up to what a 1500-byte MTU carries. */
    private int payload() {
        if (rng.percent(bigPercent)) {
            return rng.between(500, 1472);
        }
        return rng.percent(70) ? rng.between(0, 32) : rng.between(33, 400);
    }

    private long mac() {
        return rng.percent(85) ? plan.macs[rng.nextInt(plan.macs.length)] : rng.nextLong() & 0xFFFF_FFFF_FFFFL;
    }

    private int ip4Address() {
        if (rng.percent(85)) {
            int a = plan.ip4[rng.nextInt(plan.ip4.length)];
            return rng.percent(30) ? (a & ~0xFF) | rng.nextInt(256) : a; // neighbours of a planned address too
        }
        return rng.nextInt();
    }

    private void ethernet(byte[] f, int etherType) {
        putMac(f, 0, mac());
        putMac(f, 6, mac());
        put16(f, 12, etherType);
    }

    /** Writes Ethernet and an IPv4 header before the layer-4 bytes already at ETH + 20; returns the frame length. */
    private int ip4(byte[] f, int protocol, int l4Length) {
        ethernet(f, 0x0800);
        ip4Header(f, ETH, 20, 20 + l4Length, protocol, rng.percent(dontFragmentPercent) ? 0x4000 : 0);
        l4 = ETH + 20;
        return ETH + 20 + l4Length + padding(f, ETH + 20 + l4Length);
    }

    private void ip4Header(byte[] f, int at, int ihl, int total, int protocol, int fragment) {
        f[at] = (byte) (0x40 | ihl / 4);
        f[at + 1] = 0;
        put16(f, at + 2, total);
        put16(f, at + 4, rng.nextInt(65536));
        put16(f, at + 6, fragment);
        f[at + 8] = (byte) (rng.percent(lowHopPercent) ? rng.between(0, 2) : rng.between(3, 255));
        f[at + 9] = (byte) protocol;
        put16(f, at + 10, 0);
        put32(f, at + 12, ip4Address());
        put32(f, at + 16, ip4Address());
        put16(f, at + 10, ~sum(f, at, ihl, 0) & 0xFFFF);
        checksum = CK_IP4;
        l3 = at;
        field(at, 4);
        field(at + 2, 16);
    }

    /** Ethernet minimum frame padding, sometimes. */
    private int padding(byte[] f, int end) {
        if (end >= 60 || rng.percent(30)) {
            return 0;
        }
        Arrays.fill(f, end, 60, (byte) 0);
        return 60 - end;
    }

    private int udp(byte[] f, int at, int n) {
        put16(f, at, rng.nextInt(65536));
        put16(f, at + 2, rng.pick(new int[] {53, 67, 123, 179, 4789, rng.nextInt(65536)}));
        put16(f, at + 4, 8 + n);
        put16(f, at + 6, 0);
        fill(f, at + 8, n);
        field(at + 4, 16);
        return 8 + n;
    }

    /** Tunnel ids (VXLAN VNIs, NVGRE VSIDs) a fuzzed tunnel packet carries most of the time: a graph's tunnels use them. */
    public static final int[] TUNNEL_IDS = {100, 200, 0x5001};

    /** UDP to the VXLAN port (mostly) with a VXLAN header (mostly valid flags, a planned VNI) and an inner frame. */
    private int vxlan(byte[] f, int at) {
        int inner = innerFrame(f, at + 16);
        put16(f, at, 0xC000 | rng.nextInt(0x4000));
        put16(f, at + 2, rng.percent(85) ? 4789 : rng.nextInt(65536));
        put16(f, at + 4, 16 + inner);
        put16(f, at + 6, 0);
        put32(f, at + 8, rng.percent(85) ? 0x0800_0000 : rng.nextInt());
        put32(f, at + 12, (rng.percent(85) ? rng.pick(TUNNEL_IDS) : rng.nextInt(1 << 24)) << 8 | rng.nextInt(256));
        field(at + 4, 16);
        return 16 + inner;
    }

    /** GRE with NVGRE's form (mostly): the key bit, protocol 0x6558, key = a planned VSID and a FlowID. */
    private int nvgre(byte[] f, int at) {
        int inner = innerFrame(f, at + 8);
        put16(f, at, rng.percent(85) ? 0x2000 : rng.nextInt(65536));
        put16(f, at + 2, rng.percent(85) ? 0x6558 : rng.pick(new int[] {0x0800, 0x86DD, rng.nextInt(65536)}));
        put32(f, at + 4, (rng.percent(85) ? rng.pick(TUNNEL_IDS) : rng.nextInt(1 << 24)) << 8 | rng.nextInt(256));
        return 8 + inner;
    }

    /** An Ethernet frame inside a tunnel: planned MACs, a common ethertype, a payload. */
    private int innerFrame(byte[] f, int at) {
        putMac(f, at, mac());
        putMac(f, at + 6, mac());
        put16(f, at + 12, rng.pick(new int[] {0x0800, 0x0806, 0x86DD, 0x8100, rng.nextInt(65536)}));
        int n = rng.percent(85) ? rng.between(0, 200) : rng.between(0, 1400);
        randomBytes(f, at + 14, n);
        return 14 + n;
    }

    private int tcp(byte[] f, int at, int n) {
        randomBytes(f, at, 20);
        f[at + 12] = (byte) (rng.percent(80) ? 0x50 : rng.nextInt(256));
        fill(f, at + 20, n);
        return 20 + n;
    }

    private int icmp4(byte[] f, int at) {
        int type = rng.percent(70) ? 8 : rng.pick(new int[] {0, 3, 4, 5, 8, 11, 12, 13, 17, rng.nextInt(256)});
        int n = rng.percent(10) ? rng.between(0, 7) : 8 + payloadSmall();
        fill(f, at, n);
        if (n >= 2) {
            f[at] = (byte) type;
            f[at + 1] = (byte) (rng.percent(80) ? 0 : rng.nextInt(16));
        }
        return n;
    }

    private int payloadSmall() {
        return rng.percent(bigPercent) ? rng.between(400, 1400) : rng.between(0, 56);
    }

    /** An ICMP error quoting an IPv4 header whose own lengths may lie. */
    private int icmp4Error(byte[] f, int at) {
        f[at] = (byte) rng.pick(new int[] {3, 11, 12, 5});
        f[at + 1] = (byte) rng.nextInt(16);
        put16(f, at + 2, 0);
        put32(f, at + 4, 0);
        int inner = at + 8;
        int saveL3 = l3;
        ip4Header(f, inner, 20, rng.percent(70) ? 20 + 8 : rng.nextInt(65536), 17, 0);
        l3 = saveL3;
        fill(f, inner + 20, 8);
        int n = 8 + 28;
        put16(f, at + 2, ~sum(f, at, n, 0) & 0xFFFF);
        return n;
    }

    private int ip4Options(byte[] f) {
        ethernet(f, 0x0800);
        int ihl = 4 * rng.between(6, 15);
        int o = ETH + 20;
        while (o < ETH + ihl) {
            int kind = rng.pick(new int[] {0, 1, 7, 68, 130, 148, rng.nextInt(256)});
            f[o] = (byte) kind;
            if (kind <= 1 || o + 1 >= ETH + ihl) {
                o++;
                continue;
            }
            int olen = rng.between(2, Math.min(40, ETH + ihl - o));
            f[o + 1] = (byte) olen;
            field(o + 1, 8);
            randomBytes(f, o + 2, olen - 2);
            o += olen;
        }
        int protocol = rng.pick(new int[] {1, 17, 6});
        int n = protocol == 1 ? icmpEchoAt(f, ETH + ihl) : udp(f, ETH + ihl, payload());
        byte[] opts = Arrays.copyOfRange(f, ETH + 20, ETH + ihl);
        ip4Header(f, ETH, ihl, ihl + n, protocol, rng.percent(50) ? 0x4000 : 0);
        System.arraycopy(opts, 0, f, ETH + 20, opts.length);
        put16(f, ETH + 10, 0);
        put16(f, ETH + 10, ~sum(f, ETH, ihl, 0) & 0xFFFF);
        l4 = ETH + ihl;
        return ETH + ihl + n;
    }

    private int icmpEchoAt(byte[] f, int at) {
        int n = 8 + payloadSmall();
        fill(f, at, n);
        f[at] = 8;
        f[at + 1] = 0;
        return n;
    }

    private int ip4Fragment(byte[] f) {
        ethernet(f, 0x0800);
        int protocol = rng.pick(new int[] {1, 17, 6});
        int n = protocol == 1 ? icmpEchoAt(f, ETH + 20) : udp(f, ETH + 20, payload());
        int offset = rng.percent(30) ? 0 : rng.percent(20) ? rng.between(8000, 8191) : rng.nextInt(8192);
        int flags = rng.percent(60) ? 0x2000 : 0;
        if (rng.percent(15)) {
            flags |= 0x4000;
        }
        if (offset == 0 && flags == 0) {
            flags = 0x2000;
        }
        ip4Header(f, ETH, 20, 20 + n, protocol, flags | offset);
        l4 = ETH + 20;
        return ETH + 20 + n;
    }

    private int arp(byte[] f) {
        ethernet(f, 0x0806);
        int a = ETH;
        put16(f, a, rng.percent(90) ? 1 : rng.nextInt(65536));
        put16(f, a + 2, rng.percent(90) ? 0x0800 : rng.nextInt(65536));
        f[a + 4] = (byte) (rng.percent(90) ? 6 : rng.nextInt(256));
        f[a + 5] = (byte) (rng.percent(90) ? 4 : rng.nextInt(256));
        int op = rng.percent(90) ? rng.between(1, 2) : rng.nextInt(65536);
        put16(f, a + 6, op);
        putMac(f, a + 8, mac());
        int spa = ip4Address();
        int tpa = rng.percent(15) ? spa : ip4Address(); // gratuitous ARP: sender and target the same
        put32(f, a + 14, rng.percent(10) ? 0 : spa);
        putMac(f, a + 18, op == 1 && rng.percent(70) ? 0 : mac());
        put32(f, a + 24, tpa);
        field(a + 4, 8);
        field(a + 5, 8);
        l3 = a;
        return a + 28 + padding(f, a + 28);
    }

    private void ip6Address(byte[] f, int at) {
        int r = rng.nextInt(100);
        long high, low;
        if (r < planPercent6) {
            int k = rng.nextInt(plan.ip6High.length);
            high = plan.ip6High[k];
            low = plan.ip6Low[k];
            if (rng.percent(20)) {
                low = (low & ~0xFFL) | rng.nextInt(256);
            }
        } else if (r < planPercent6 + (100 - planPercent6) * 2 / 7) {
            high = 0xFE80_0000_0000_0000L; // link-local, often the router's own interface id
            low = rng.percent(60) ? interfaceId(plan.macs[rng.nextInt(plan.macs.length)]) : rng.nextLong();
        } else if (r < planPercent6 + (100 - planPercent6) * 4 / 7) {
            high = 0xFF02_0000_0000_0000L; // all-nodes, solicited-node or some other group
            int k = rng.nextInt(plan.ip6Low.length);
            low = rng.percent(30) ? 1 : rng.percent(70) ? 0x0000_0001_FF00_0000L | (plan.ip6Low[k] & 0xFF_FFFF) : rng.nextLong();
        } else if (r < planPercent6 + (100 - planPercent6) * 5 / 7) {
            high = 0;
            low = rng.percent(50) ? 0 : 1; // unspecified, loopback
        } else {
            high = rng.nextLong();
            low = rng.nextLong();
        }
        put64(f, at, high);
        put64(f, at + 8, low);
    }

    private static long interfaceId(long mac) {
        long oui = (mac >>> 24) ^ 0x02_0000;
        return (oui << 40) | (0xFFFEL << 24) | (mac & 0xFF_FFFF);
    }

    /** Ethernet and an IPv6 header before the bytes already at ETH + 40. */
    private int ip6(byte[] f, int next, int hopLimit, int payloadLength) {
        ethernet(f, 0x86DD);
        ip6Header(f, next, hopLimit, payloadLength);
        l4 = ETH + 40;
        return ETH + 40 + payloadLength + padding(f, ETH + 40 + payloadLength);
    }

    private void ip6Header(byte[] f, int next, int hopLimit, int payloadLength) {
        put32(f, ETH, 0x6000_0000 | (rng.percent(70) ? 0 : rng.nextInt() & 0x0FFF_FFFF));
        put16(f, ETH + 4, payloadLength);
        f[ETH + 6] = (byte) next;
        f[ETH + 7] = (byte) (rng.percent(lowHopPercent) ? rng.between(0, 2) : hopLimit);
        ip6Address(f, ETH + 8);
        ip6Address(f, ETH + 24);
        checksum = CK_IP6;
        l3 = ETH;
        field(ETH + 4, 16);
    }

    private int icmp6(byte[] f, int at) {
        int type = rng.percent(60) ? 128 : rng.pick(new int[] {1, 2, 3, 4, 127, 129, 130, 133, 134, 137, 143, rng.nextInt(256)});
        int n = rng.percent(10) ? rng.between(0, 7) : 8 + payloadSmall();
        fill(f, at, n);
        if (n >= 2) {
            f[at] = (byte) type;
            f[at + 1] = (byte) (rng.percent(80) ? 0 : rng.nextInt(8));
        }
        return n;
    }

    /** A neighbour solicitation or advertisement, its target from the plan, with 0 to 3 options. */
    private int neighbourMessage(byte[] f, int type) {
        int at = ETH + 40;
        Arrays.fill(f, at, at + 24, (byte) 0);
        f[at] = (byte) type;
        f[at + 1] = (byte) (rng.percent(90) ? 0 : 1);
        if (type == 136) {
            f[at + 4] = (byte) (rng.nextInt(8) << 5);
        }
        int saveFields = fields;
        ip6Address(f, at + 8);
        fields = saveFields;
        int n = 24 + options(f, at + 24, type == 135 ? 1 : 2);
        int len = ip6(f, 58, rng.percent(85) ? 255 : 64, n);
        if (rng.percent(40)) {
            System.arraycopy(f, at + 8, f, ETH + 8, 16); // from or to the target itself
        }
        return len;
    }

    /** ND options: link-layer addresses (the kind the message expects, mostly), others, zero or wrong lengths. */
    private int options(byte[] f, int at, int expected) {
        int count = rng.percent(20) ? 0 : rng.between(1, 3);
        int o = at;
        for (int k = 0; k < count; k++) {
            int kind = rng.percent(70) ? expected : rng.pick(new int[] {1, 2, 3, 5, 14, rng.nextInt(256)});
            int units = rng.percent(80) ? 1 : rng.between(0, 3);
            f[o] = (byte) kind;
            f[o + 1] = (byte) units;
            field(o + 1, 8);
            int size = Math.max(units, 1) * 8;
            putMac(f, o + 2, mac());
            randomBytesIf(f, o + 8, size - 8);
            o += size;
        }
        return o - at;
    }

    private void randomBytesIf(byte[] f, int at, int n) {
        if (n > 0) {
            randomBytes(f, at, n);
        }
    }

    private int ndOther(byte[] f, int at) {
        int type = rng.pick(new int[] {133, 134, 137, 141, 142, 143});
        int n = rng.between(8, 64);
        fill(f, at, n);
        f[at] = (byte) type;
        f[at + 1] = 0;
        return n;
    }

    /** IPv6 with a hop-by-hop, routing, fragment or destination options header before UDP or ICMPv6. */
    private int ip6Extension(byte[] f) {
        int at = ETH + 40;
        int ext = rng.pick(new int[] {0, 43, 44, 60});
        int inner = rng.percent(50) ? 17 : 58;
        int extLen = ext == 44 ? 8 : 8 * (1 + rng.nextInt(3));
        randomBytes(f, at, extLen);
        f[at] = (byte) inner;
        if (ext != 44) {
            f[at + 1] = (byte) (extLen / 8 - 1);
            field(at + 1, 8);
        }
        int n = extLen + (inner == 17 ? udp(f, at + extLen, payload()) : icmp6(f, at + extLen));
        return ip6(f, ext, 64, n);
    }

    private int mpls(byte[] f) {
        ethernet(f, 0x8847);
        int labels = rng.between(1, 3);
        for (int k = 0; k < labels; k++) {
            put32(f, ETH + 4 * k, (rng.nextInt(1 << 20) << 12) | (k == labels - 1 ? 0x100 : 0) | 64);
        }
        int n = rng.between(0, 64);
        randomBytes(f, ETH + 4 * labels, n);
        return ETH + 4 * labels + n;
    }

    // ---- mutations ----

    private int mutate(byte[] f, int len) {
        int total = 0;
        for (int w : MUTATION_WEIGHTS) {
            total += w;
        }
        int r = rng.nextInt(total), m = 0;
        while (r >= MUTATION_WEIGHTS[m]) {
            r -= MUTATION_WEIGHTS[m++];
        }
        switch (m) {
            case 0 -> { // truncate: often inside or just after a header
                int to = rng.percent(50) ? l3 + rng.between(-2, 48) : rng.nextInt(len + 1);
                len = Math.max(0, Math.min(len, to));
                note("truncate to " + len);
            }
            case 1 -> {
                int n = Math.min(rng.between(1, 64), MAX_FRAME - len);
                randomBytes(f, len, n);
                len += n;
                note("extend by " + n);
            }
            case 2 -> {
                int flips = rng.between(1, 4);
                for (int k = 0; k < flips && len > 0; k++) {
                    int at = position(len);
                    int bit = rng.nextInt(8);
                    f[at] ^= (byte) (1 << bit);
                    note("flip bit " + bit + " of byte " + at);
                }
            }
            case 3 -> {
                if (len > 0) {
                    int at = position(len);
                    f[at] = (byte) rng.pick(EDGE_8);
                    note("set byte " + at + " to " + (f[at] & 0xFF));
                }
            }
            case 4 -> lengthLie(f, len);
            case 5 -> len = vlanTag(f, len);
            default -> {
                if (len > 0) {
                    int at = position(len);
                    int n = Math.min(rng.between(1, 32), len - at);
                    randomBytes(f, at, n);
                    note("random bytes " + at + ".." + (at + n));
                }
            }
        }
        return len;
    }

    /** A byte position: mostly among the headers. */
    private int position(int len) {
        return rng.percent(75) ? rng.nextInt(Math.min(len, Math.max(l3, 0) + 64)) : rng.nextInt(len);
    }

    private void lengthLie(byte[] f, int len) {
        if (fields == 0) {
            return;
        }
        int k = rng.nextInt(fields);
        int at = fieldAt[k], bits = fieldBits[k];
        if (at + (bits == 16 ? 2 : 1) > MAX_FRAME) {
            return;
        }
        int value;
        switch (bits) {
            case 4 -> {
                value = rng.nextInt(16);
                f[at] = (byte) ((f[at] & 0xF0) | value);
            }
            case 8 -> {
                int now = f[at] & 0xFF;
                value = rng.pick(new int[] {0, 1, 2, now - 1, now + 1, now * 2, 0x7F, 0x80, 0xFF, rng.nextInt(256)}) & 0xFF;
                f[at] = (byte) value;
            }
            default -> {
                int now = get16(f, at);
                value = rng.pick(new int[] {0, 1, 7, 8, 19, 20, 39, 40, now - 1, now + 1, now - 8, now + 8, now * 2, len,
                    len - at, 0x7FFF, 0x8000, 0xFFFF, rng.nextInt(65536)}) & 0xFFFF;
                put16(f, at, value);
            }
        }
        note("length field at " + at + " := " + value);
    }

    private int vlanTag(byte[] f, int len) {
        if (len < ETH || len + 4 > MAX_FRAME) {
            return len;
        }
        int type = get16(f, 12);
        if ((type == 0x8100 || type == 0x88A8) && len >= ETH + 4 && rng.percent(50)) {
            System.arraycopy(f, 16, f, 12, len - 16);
            shift(-4);
            note("vlan tag removed");
            return len - 4;
        }
        System.arraycopy(f, 12, f, 16, len - 12);
        put16(f, 12, rng.pick(TPIDS));
        put16(f, 14, rng.nextInt(65536));
        shift(4);
        note("vlan tag inserted");
        return len + 4;
    }

    private void shift(int by) {
        l3 += by;
        if (l4 >= 0) {
            l4 += by;
        }
        for (int k = 0; k < fields; k++) {
            if (fieldAt[k] >= 12) {
                fieldAt[k] += by;
            }
        }
    }

    // ---- checksums ----

    /** Recomputes the IPv4 header and ICMP checksums, or the ICMPv6 one, over what the (maybe lying) lengths say. */
    private void fixChecksums(byte[] f, int len) {
        if (checksum == CK_IP4 && l3 + 20 <= len) {
            int ihl = (f[l3] & 0xF) * 4;
            if (ihl >= 20 && l3 + ihl <= len) {
                put16(f, l3 + 10, 0);
                put16(f, l3 + 10, ~sum(f, l3, ihl, 0) & 0xFFFF);
                int end = Math.min(len, l3 + get16(f, l3 + 2));
                int at = l3 + ihl;
                if ((f[l3 + 9] & 0xFF) == 1 && at + 4 <= end) {
                    put16(f, at + 2, 0);
                    put16(f, at + 2, ~sum(f, at, end - at, 0) & 0xFFFF);
                }
            }
        } else if (checksum == CK_IP6 && l3 + 40 <= len && (f[l3 + 6] & 0xFF) == 58) {
            int plen = Math.min(get16(f, l3 + 4), len - l3 - 40);
            int at = l3 + 40;
            if (plen >= 4) {
                put16(f, at + 2, 0);
                int pseudo = sum(f, l3 + 8, 32, 0) + (plen >>> 16) + (plen & 0xFFFF) + 58;
                put16(f, at + 2, ~sum(f, at, plen, pseudo) & 0xFFFF);
            }
        }
    }

    /** The ones' complement sum of {@code n} bytes from {@code at}, folded, plus {@code initial}. */
    static int sum(byte[] f, int at, int n, int initial) {
        long s = initial;
        int end = at + n;
        int i = at;
        for (; i + 1 < end; i += 2) {
            s += ((f[i] & 0xFF) << 8) | (f[i + 1] & 0xFF);
        }
        if (i < end) {
            s += (f[i] & 0xFF) << 8;
        }
        while ((s >>> 16) != 0) {
            s = (s & 0xFFFF) + (s >>> 16);
        }
        return (int) s;
    }

    // ---- bytes ----

    private void field(int at, int bits) {
        if (fields < fieldAt.length) {
            fieldAt[fields] = at;
            fieldBits[fields++] = bits;
        }
    }

    /** Payload bytes: cheap to make (a long at a time), different per frame. */
    private void fill(byte[] f, int at, int n) {
        long x = rng.nextLong();
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            x = x * 0x5851_F42D_4C95_7F2DL + 0x1405_7B7E_F767_814FL;
            LONGS.set(f, at + i, x);
        }
        for (; i < n; i++) {
            f[at + i] = (byte) (x >>> (i & 7) * 8);
        }
    }

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.BIG_ENDIAN);

    private void randomBytes(byte[] f, int at, int n) {
        for (int i = 0; i < n; i++) {
            f[at + i] = (byte) rng.nextInt(256);
        }
    }

    static void put16(byte[] f, int at, int v) {
        f[at] = (byte) (v >>> 8);
        f[at + 1] = (byte) v;
    }

    static int get16(byte[] f, int at) {
        return ((f[at] & 0xFF) << 8) | (f[at + 1] & 0xFF);
    }

    static void put32(byte[] f, int at, int v) {
        put16(f, at, v >>> 16);
        put16(f, at + 2, v);
    }

    static void put64(byte[] f, int at, long v) {
        put32(f, at, (int) (v >>> 32));
        put32(f, at + 4, (int) v);
    }

    static void putMac(byte[] f, int at, long mac) {
        put16(f, at, (int) (mac >>> 32));
        put32(f, at + 2, (int) mac);
    }
}

package dev.junction.overlay.tunnel;

import dev.junction.overlay.TunnelSettings;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Every tunnel as the nodes read it: struct-of-arrays by tunnel number (dense, rebuilt whole on
 * each change and published with one volatile write), each tunnel's outer headers prebuilt (Ethernet
 * type, IP, UDP and VXLAN or GRE, everything but lengths, checksums and entropy), and an
 * open-addressing table from (encapsulation, id, remote) to the tunnel number for decapsulation.
 */
public final class TunnelConfig {
    public static final int VXLAN = 0, NVGRE = 1;
    /** Bytes reserved per tunnel in {@link #words}: the largest overhead, 70 (VXLAN over IPv6), rounded up. */
    static final int TEMPLATE = 80;
    /** Outer TTL / hop limit written: routing's rewrite takes one off, so 64 leaves Junction. */
    static final int OUTER_TTL = 65;
    static final TunnelConfig EMPTY = new TunnelConfig(List.of());

    /** A tunnel as the control path resolved it. */
    record Entry(TunnelSettings settings, int vrf, TunnelDevice device, NextHop next) {
        Entry(TunnelSettings settings, int vrf, TunnelDevice device) {
            this(settings, vrf, device, null);
        }

        Entry withNext(NextHop n) {
            return new Entry(settings, vrf, device, n);
        }
    }

    /**
     * Where routing sends an IPv4 tunnel's remote end: out of {@code iface} to {@code address} (the
     * gateway, or the remote itself on-link). The encapsulation node then goes straight to
     * ip4-rewrite, as ip4-lookup would have sent it, without a lookup per packet.
     */
    record NextHop(String iface, int address) {
    }

    final int count;
    final String[] names;
    final TunnelDevice[] devices;
    final int[] kind;
    final boolean[] ipv6;
    final int[] vni;
    final int[] vrf;
    final int[] port;
    final int[] mtu;
    /** Bytes prepended, outer Ethernet header included. */
    final int[] overhead;
    final int[] local4, remote4;
    final long[] localHigh, localLow, remoteHigh, remoteLow;
    /** The IPv4 header's one's complement sum with total length and checksum zero (the rest is per packet). */
    final int[] ipSum;
    /** The same with the TTL routing's rewrite leaves (OUTER_TTL - 1): for a frame that skips ip4-rewrite. */
    final int[] ipSumDirect;
    /**
     * Each tunnel's outer headers as native-order longs, {@link #WORDS} per tunnel, and their last
     * eight bytes: what the encapsulation node stores (eight bytes at a time, then the last eight once
     * more, overlapping), cheaper than a bulk copy of 50 bytes.
     */
    final long[] words;
    final long[] lastWord;
    /** The resolved next hop's interface name (null: ip4-lookup per packet) and address. */
    final String[] nextIface;
    final int[] nextHop4;
    static final int WORDS = TEMPLATE / 8;
    /**
     * The local ends of the IPv4 VXLAN tunnels, each {@link #vtep4Key}, sorted, no duplicates: what
     * ip4-vxlan-bypass sends straight to vxlan-input.
     */
    final long[] vtep4;
    /**
     * Decapsulation's IPv4 match, {@link #KEY4} longs a tunnel, next to each other so that one probe
     * reads one place: {@link #key4a}, remote and local address, VRF. IPv6 tunnels have no match here.
     */
    private final long[] key4;
    static final int KEY4 = 3;
    /** Decapsulation: by hash slot, tunnel number + 1 (0: empty). */
    private final int[] table;
    private final int mask;

    TunnelConfig(List<Entry> entries) {
        count = entries.size();
        names = new String[count];
        devices = new TunnelDevice[count];
        kind = new int[count];
        ipv6 = new boolean[count];
        vni = new int[count];
        vrf = new int[count];
        port = new int[count];
        mtu = new int[count];
        overhead = new int[count];
        local4 = new int[count];
        remote4 = new int[count];
        localHigh = new long[count];
        localLow = new long[count];
        remoteHigh = new long[count];
        remoteLow = new long[count];
        ipSum = new int[count];
        ipSumDirect = new int[count];
        words = new long[Math.max(1, count) * WORDS];
        lastWord = new long[Math.max(1, count)];
        nextIface = new String[count];
        nextHop4 = new int[count];
        key4 = new long[Math.max(1, count) * KEY4];
        int size = Integer.highestOneBit(Math.max(4, count * 4 - 1)) << 1;
        table = new int[size];
        mask = size - 1;
        for (int t = 0; t < count; t++) {
            Entry e = entries.get(t);
            TunnelSettings s = e.settings();
            names[t] = s.name();
            devices[t] = e.device();
            if (e.next() != null && !s.ipv6()) {
                nextIface[t] = e.next().iface();
                nextHop4[t] = e.next().address();
            }
            kind[t] = TunnelSettings.VXLAN.equals(s.encapsulation()) ? VXLAN : NVGRE;
            ipv6[t] = s.ipv6();
            vni[t] = s.vni();
            vrf[t] = e.vrf();
            port[t] = s.port();
            mtu[t] = s.effectiveMtu();
            overhead[t] = s.overhead();
            byte[] l = InetAddress.ofLiteral(s.local()).getAddress();
            byte[] r = InetAddress.ofLiteral(s.remote()).getAddress();
            if (ipv6[t]) {
                localHigh[t] = ByteBuffer.wrap(l).getLong(0);
                localLow[t] = ByteBuffer.wrap(l).getLong(8);
                remoteHigh[t] = ByteBuffer.wrap(r).getLong(0);
                remoteLow[t] = ByteBuffer.wrap(r).getLong(8);
            } else {
                local4[t] = ByteBuffer.wrap(l).getInt();
                remote4[t] = ByteBuffer.wrap(r).getInt();
            }
            byte[] h = header(t, l, r);
            MemorySegment hs = MemorySegment.ofArray(h);
            for (int k = 0; k + 8 <= h.length; k += 8) {
                words[t * WORDS + k / 8] = hs.get(ValueLayout.JAVA_LONG_UNALIGNED, k);
            }
            lastWord[t] = hs.get(ValueLayout.JAVA_LONG_UNALIGNED, h.length - 8);
            if (!ipv6[t]) {
                ipSum[t] = dev.junction.packet.Ipv4.sum(MemorySegment.ofArray(h), 14, 20);
                byte[] direct = h.clone();
                direct[14 + 8] = (byte) (OUTER_TTL - 1);
                ipSumDirect[t] = dev.junction.packet.Ipv4.sum(MemorySegment.ofArray(direct), 14, 20);
            }
            if (!ipv6[t]) {
                key4[t * KEY4] = key4a(kind[t], vni[t], port[t]);
                key4[t * KEY4 + 1] = (long) remote4[t] << 32 | Integer.toUnsignedLong(local4[t]);
                key4[t * KEY4 + 2] = vrf[t];
            } else {
                key4[t * KEY4] = -1; // no IPv4 packet's key4a: never matched by find4
            }
            long hash = ipv6[t] ? hash6(kind[t], vni[t], remoteHigh[t], remoteLow[t]) : hash4(kind[t], vni[t], remote4[t]);
            int i = (int) hash & mask;
            while (table[i] != 0) {
                i = (i + 1) & mask;
            }
            table[i] = t + 1;
        }
        long[] keys = new long[count];
        int k = 0;
        for (int t = 0; t < count; t++) {
            if (kind[t] == VXLAN && !ipv6[t]) {
                keys[k++] = vtep4Key(vrf[t], port[t], local4[t]);
            }
        }
        vtep4 = java.util.Arrays.stream(keys, 0, k).sorted().distinct().toArray();
    }

    /** Whether any IPv4 VXLAN tunnel exists. */
    public boolean anyVtep4() {
        return vtep4.length > 0;
    }

    /** A local IPv4 VXLAN end: VRF, UDP port and address in one long. */
    static long vtep4Key(int vrf, int port, int address) {
        return (long) vrf << 48 | (long) port << 32 | Integer.toUnsignedLong(address);
    }

    /** Whether UDP to {@code port} of {@code address} in {@code vrf} is for an IPv4 VXLAN tunnel's local end. Fast path. */
    public boolean isVtep4(int vrf, int port, int address) {
        long key = vtep4Key(vrf, port, address);
        long[] keys = vtep4;
        if (keys.length <= 8) {
            for (long x : keys) {
                if (x == key) {
                    return true;
                }
            }
            return false;
        }
        return java.util.Arrays.binarySearch(keys, key) >= 0;
    }

    /** The outer headers of tunnel {@code t}, Ethernet's MACs zero (routing's rewrite writes them). */
    private byte[] header(int t, byte[] l, byte[] r) {
        ByteBuffer b = ByteBuffer.allocate(overhead[t]);
        b.position(12);
        b.putShort((short) (ipv6[t] ? 0x86DD : 0x0800));
        int proto = kind[t] == VXLAN ? 17 : 47;
        if (ipv6[t]) {
            b.putInt(0x6000_0000).putShort((short) 0).put((byte) proto).put((byte) OUTER_TTL).put(l).put(r);
        } else {
            // Version 4, 20 bytes, length per packet, id 0, DF (never fragmented: RFC 7348 section 4.3), TTL, protocol.
            b.put((byte) 0x45).put((byte) 0).putShort((short) 0).putShort((short) 0).putShort((short) 0x4000)
                    .put((byte) OUTER_TTL).put((byte) proto).putShort((short) 0).put(l).put(r);
        }
        if (kind[t] == VXLAN) {
            // UDP: source port per packet, destination, length and checksum per packet; VXLAN: the I flag, the VNI.
            b.putShort((short) 0).putShort((short) port[t]).putShort((short) 0).putShort((short) 0);
            b.putInt(0x0800_0000).putInt(vni[t] << 8);
        } else {
            // GRE: the K bit, version 0, Transparent Ethernet Bridging; key: the VSID, the flow id per packet.
            b.putShort((short) 0x2000).putShort((short) 0x6558).putInt(vni[t] << 8);
        }
        return b.array();
    }

    static long hash4(int kind, int vni, int remote) {
        long h = ((long) vni << 33 | (long) kind << 32 | Integer.toUnsignedLong(remote)) * 0x9E37_79B9_7F4A_7C15L;
        return h ^ (h >>> 29);
    }

    static long hash6(int kind, int vni, long high, long low) {
        long h = (high * 31 + low) * 0x9E37_79B9_7F4A_7C15L ^ ((long) vni << 1 | kind);
        h *= 0xC2B2_AE3D_27D4_EB4FL;
        return h ^ (h >>> 29);
    }

    /** Encapsulation, id and UDP port (0 for NVGRE) in one long. */
    private static long key4a(int kind, int vni, int port) {
        return (long) port << 32 | (long) kind << 24 | vni;
    }

    /** The IPv4 tunnel a packet belongs to, or -1. Fast path. */
    int find4(int kind, int vni, int remote, int local, int vrf, int port) {
        long a = key4a(kind, vni, port), b = (long) remote << 32 | Integer.toUnsignedLong(local);
        long[] keys = key4;
        int i = (int) hash4(kind, vni, remote) & mask;
        for (int t; (t = table[i]) != 0; i = (i + 1) & mask) {
            int k = (t - 1) * KEY4;
            if (keys[k] == a && keys[k + 1] == b && keys[k + 2] == vrf) {
                return t - 1;
            }
        }
        return -1;
    }

    /** The IPv6 tunnel a packet belongs to, or -1. Fast path. */
    int find6(int kind, int vni, long remoteHigh, long remoteLow, long localHigh, long localLow, int vrf, int port) {
        int i = (int) hash6(kind, vni, remoteHigh, remoteLow) & mask;
        for (int t; (t = table[i]) != 0; i = (i + 1) & mask) {
            t--;
            if (this.kind[t] == kind && ipv6[t] && this.vni[t] == vni && this.remoteHigh[t] == remoteHigh
                    && this.remoteLow[t] == remoteLow && this.localHigh[t] == localHigh && this.localLow[t] == localLow
                    && this.vrf[t] == vrf && this.port[t] == port) {
                return t;
            }
        }
        return -1;
    }
}

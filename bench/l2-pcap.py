#!/usr/bin/env python3
"""Writes a classic pcap for the layer-2 benchmarks: N 64-byte UDP/IPv4 frames, frame i from MAC
SRC_BASE+i to MAC DST_BASE+i (so a switch learns N MACs on each side), or with --vxlan the same
frames inside VXLAN (VNI 100) from OUTER_SRC to OUTER_DST, to DST_MAC, or with --mpls each
IPv4 packet under one label, FIRST + i (bottom of stack, TTL 64), as MplsBench's swap case sends.
Usage: l2-pcap.py OUT N SRC_BASE DST_BASE [--vxlan OUTER_SRC OUTER_DST DST_MAC | --mpls FIRST]
(bases as 12 hex digits, e.g. 020a00000000)."""
import struct, sys

def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s >> 16) + (s & 0xffff)
    return (~s) & 0xffff

def ipv4(src, dst, proto, payload, ident=0, flags=0):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), ident, flags, 64, proto, 0, src, dst)
    return h[:10] + struct.pack('!H', csum(h)) + h[12:] + payload

def addr(text):
    return bytes(int(x) for x in text.split('.'))

def mac(value):
    return value.to_bytes(6, 'big')

out, n, src_base, dst_base = sys.argv[1], int(sys.argv[2]), int(sys.argv[3], 16), int(sys.argv[4], 16)
vxlan = len(sys.argv) > 5 and sys.argv[5] == '--vxlan'
mpls = len(sys.argv) > 5 and sys.argv[5] == '--mpls'
with open(out, 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(n):
        udp = struct.pack('!HHHH', 1024 + (i & 0x3fff), 5001, 26, 0) + bytes(18)
        frame = mac(dst_base + i) + mac(src_base + i) + b'\x08\x00' + ipv4(addr('10.0.0.1'), addr('10.0.0.2'), 17, udp, i & 0xffff)
        if mpls:  # 64 bytes in all, as MplsBench's frames: 14 + 4 + 46
            label = int(sys.argv[6]) + i
            udp = struct.pack('!HHHH', 1024 + (i & 0x3fff), 5001, 26, 0) + bytes(18)
            frame = mac(dst_base) + mac(src_base) + b'\x88\x47' + struct.pack('!I', label << 12 | 1 << 8 | 64) \
                + ipv4(addr('10.1.0.2'), addr('198.18.0.0'), 17, udp, i & 0xffff)
        if vxlan:
            outer_src, outer_dst, dst_mac = sys.argv[6], sys.argv[7], int(sys.argv[8].replace(':', ''), 16)
            vx = struct.pack('!HHHH', 0xc000 | (i & 0x3fff), 4789, 16 + len(frame), 0) + struct.pack('!II', 0x08000000, 100 << 8) + frame
            frame = mac(dst_mac) + mac(0x020000000099) + b'\x08\x00' + ipv4(addr(outer_src), addr(outer_dst), 17, vx, 0, 0x4000)
        f.write(struct.pack('<IIII', 0, i, len(frame), len(frame)) + frame)

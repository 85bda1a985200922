package dev.junction.drivers.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The bpf(2) system call, for the few things an AF_XDP device needs of it: an XSKMAP, the XDP program
 * that redirects each frame to the socket at its receive queue's index, a BPF link that attaches the
 * program to an interface (closing the link's descriptor detaches it), and map updates. Control path
 * only. glibc has no bpf() wrapper, so this goes through syscall(3) with the x86_64 or aarch64 number.
 * Layouts and numbers from include/uapi/linux/bpf.h (union bpf_attr, enum bpf_cmd, bpf_map_type,
 * bpf_prog_type, bpf_attach_type).
 */
final class Bpf {
    static final int BPF_MAP_CREATE = 0;
    static final int BPF_MAP_UPDATE_ELEM = 2;
    static final int BPF_MAP_DELETE_ELEM = 3;
    static final int BPF_PROG_LOAD = 5;
    static final int BPF_LINK_CREATE = 28;
    static final int BPF_MAP_TYPE_XSKMAP = 17;
    static final int BPF_PROG_TYPE_XDP = 6;
    static final int BPF_XDP = 37;
    /** if_link.h: the attach modes. */
    static final int XDP_FLAGS_SKB_MODE = 2;
    static final int XDP_FLAGS_DRV_MODE = 4;
    static final int XDP_PASS = 2;
    private static final int BPF_FUNC_REDIRECT_MAP = 51;
    private static final int BPF_PSEUDO_MAP_FD = 1;
    /** Room for union bpf_attr: the kernel reads the size we pass and wants unknown trailing bytes zero. */
    private static final int ATTR_SIZE = 144;

    private static final long SYS_BPF = "aarch64".equals(System.getProperty("os.arch")) ? 280 : 321;
    private static final Linker LINKER = Linker.nativeLinker();
    // long syscall(long number, ...): every argument passed as a 64-bit word after the first.
    private static final MethodHandle SYSCALL = LINKER.downcallHandle(LINKER.defaultLookup().find("syscall").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS,
                    ValueLayout.JAVA_LONG),
            Linker.Option.firstVariadicArg(1), Linker.Option.captureCallState("errno"));

    private Bpf() {
    }

    /** bpf(cmd, attr, size): the result (a descriptor for the creating commands), or -1 with errno in {@code state}. */
    static int call(MemorySegment state, int cmd, MemorySegment attr) {
        try {
            return (int) (long) SYSCALL.invokeExact(state, SYS_BPF, (long) cmd, attr, attr.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    private static MemorySegment attr(Arena arena) {
        return arena.allocate(ATTR_SIZE, 8); // zeroed
    }

    /** An XSKMAP of {@code entries} slots, key and value 4 bytes (queue index, socket descriptor). */
    static int createXskMap(Arena arena, MemorySegment state, int entries) {
        MemorySegment a = attr(arena);
        a.set(ValueLayout.JAVA_INT, 0, BPF_MAP_TYPE_XSKMAP);
        a.set(ValueLayout.JAVA_INT, 4, 4);
        a.set(ValueLayout.JAVA_INT, 8, 4);
        a.set(ValueLayout.JAVA_INT, 12, entries);
        return call(state, BPF_MAP_CREATE, a);
    }

    /**
     * The redirect program's instructions (struct bpf_insn: u8 code, u8 dst_reg:4 src_reg:4, s16 off,
     * s32 imm): {@code r2 = ctx->rx_queue_index; r1 = map; r3 = XDP_PASS; return bpf_redirect_map(r1,
     * r2, r3)}. The third argument is the action when no socket sits at that index: the kernel keeps
     * the frame, so queues Junction has not bound (yet) stay with the kernel's own stack.
     */
    static MemorySegment redirectProgram(Arena arena, int mapFd) {
        MemorySegment p = arena.allocate(6 * 8, 8);
        insn(p, 0, 0x61, 2, 1, 16, 0); // BPF_LDX | BPF_MEM | BPF_W: r2 = *(u32 *)(r1 + 16), xdp_md.rx_queue_index
        insn(p, 1, 0x18, 1, BPF_PSEUDO_MAP_FD, 0, mapFd); // BPF_LD | BPF_DW | BPF_IMM: r1 = the map (two slots)
        insn(p, 2, 0, 0, 0, 0, 0);
        insn(p, 3, 0xb7, 3, 0, 0, XDP_PASS); // BPF_ALU64 | BPF_MOV | BPF_K: r3 = XDP_PASS
        insn(p, 4, 0x85, 0, 0, 0, BPF_FUNC_REDIRECT_MAP); // BPF_JMP | BPF_CALL
        insn(p, 5, 0x95, 0, 0, 0, 0); // BPF_JMP | BPF_EXIT: return r0
        return p;
    }

    private static void insn(MemorySegment p, int i, int code, int dst, int src, int off, int imm) {
        long o = i * 8L;
        p.set(ValueLayout.JAVA_BYTE, o, (byte) code);
        p.set(ValueLayout.JAVA_BYTE, o + 1, (byte) ((src << 4) | dst));
        p.set(ValueLayout.JAVA_SHORT, o + 2, (short) off);
        p.set(ValueLayout.JAVA_INT, o + 4, imm);
    }

    /**
     * Loads the redirect program as BPF_PROG_TYPE_XDP: its descriptor, or -1. On -1 {@code log} (when
     * not null) holds the verifier's text.
     */
    static int loadRedirect(Arena arena, MemorySegment state, int mapFd, MemorySegment log) {
        MemorySegment insns = redirectProgram(arena, mapFd);
        MemorySegment license = arena.allocateFrom("Dual MIT/GPL");
        MemorySegment a = attr(arena);
        a.set(ValueLayout.JAVA_INT, 0, BPF_PROG_TYPE_XDP);
        a.set(ValueLayout.JAVA_INT, 4, 6);
        a.set(ValueLayout.JAVA_LONG, 8, insns.address());
        a.set(ValueLayout.JAVA_LONG, 16, license.address());
        if (log != null) {
            a.set(ValueLayout.JAVA_INT, 24, 1); // log_level
            a.set(ValueLayout.JAVA_INT, 28, (int) log.byteSize());
            a.set(ValueLayout.JAVA_LONG, 32, log.address());
        }
        MemorySegment.copy("junction_xsk".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, a,
                ValueLayout.JAVA_BYTE, 48, 12); // prog_name[16], NUL-padded
        a.set(ValueLayout.JAVA_INT, 68, BPF_XDP); // expected_attach_type
        return call(state, BPF_PROG_LOAD, a);
    }

    /** Attaches {@code progFd} to interface {@code ifindex} in mode {@code xdpFlags}: the link's descriptor, or -1. */
    static int attach(Arena arena, MemorySegment state, int progFd, int ifindex, int xdpFlags) {
        MemorySegment a = attr(arena);
        a.set(ValueLayout.JAVA_INT, 0, progFd);
        a.set(ValueLayout.JAVA_INT, 4, ifindex);
        a.set(ValueLayout.JAVA_INT, 8, BPF_XDP);
        a.set(ValueLayout.JAVA_INT, 12, xdpFlags);
        return call(state, BPF_LINK_CREATE, a);
    }

    /** Sets slot {@code key} of map {@code mapFd} to {@code value}: 0, or -1. */
    static int update(Arena arena, MemorySegment state, int mapFd, int key, int value) {
        MemorySegment k = arena.allocate(ValueLayout.JAVA_INT);
        k.set(ValueLayout.JAVA_INT, 0, key);
        MemorySegment v = arena.allocate(ValueLayout.JAVA_INT);
        v.set(ValueLayout.JAVA_INT, 0, value);
        MemorySegment a = attr(arena);
        a.set(ValueLayout.JAVA_INT, 0, mapFd);
        a.set(ValueLayout.JAVA_LONG, 8, k.address());
        a.set(ValueLayout.JAVA_LONG, 16, v.address());
        return call(state, BPF_MAP_UPDATE_ELEM, a);
    }
}

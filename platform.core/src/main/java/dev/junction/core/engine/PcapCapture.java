package dev.junction.core.engine;

import dev.junction.dataplane.CaptureDirection;
import dev.junction.dataplane.CaptureStatus;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * A pcap capture of one interface. Workers copy frames into a ring of their own (single producer,
 * single consumer, no lock, no allocation); a writer thread drains the rings into a classic pcap file
 * (microsecond timestamps, link type Ethernet) that tcpdump, tshark and Wireshark read. A full ring
 * loses the frame from the capture, counted, never from the data plane.
 */
final class PcapCapture {
    static final int SNAPLEN = 65535;
    private static final int RING_BYTES = 4 << 20;
    private static final int RECORD_HEADER = 16; // int caplen, int origlen, long epoch micros

    final String iface;
    final Path file;
    final CaptureDirection direction;
    final long limit;
    private final Ring[] rings;
    private final Arena arena = Arena.ofShared();
    private final AtomicLong written = new AtomicLong();
    private final long baseEpochMicros;
    private final long baseNanos;
    private final FileChannel out;
    private final Thread writer;
    private final Consumer<PcapCapture> onLimit;
    private volatile boolean stopping;
    private volatile boolean active = true;

    PcapCapture(String iface, Path file, CaptureDirection direction, long limit, int workers,
            Consumer<PcapCapture> onLimit) throws IOException {
        this.iface = iface;
        this.file = file;
        this.direction = direction;
        this.limit = limit;
        this.onLimit = onLimit;
        this.rings = new Ring[workers];
        for (int i = 0; i < workers; i++) {
            rings[i] = new Ring(arena.allocate(RING_BYTES, 8));
        }
        baseEpochMicros = System.currentTimeMillis() * 1000;
        baseNanos = System.nanoTime();
        out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                .putInt(SNAPLEN).putInt(1).flip();
        out.write(header);
        writer = Thread.ofPlatform().daemon().name("junction-pcap-" + iface).start(this::drainLoop);
    }

    /** Worker side: copies one frame into the worker's ring. */
    void offer(int worker, MemorySegment mem, long offset, int length, long nowNanos) {
        if (worker < rings.length) {
            rings[worker].offer(mem, offset, length, baseEpochMicros + (nowNanos - baseNanos) / 1000);
        }
    }

    boolean active() {
        return active;
    }

    /** Stops the writer after it has written what the rings hold, and closes the file. */
    void stop() {
        stopping = true;
        LockSupport.unpark(writer);
        try {
            writer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    CaptureStatus status() {
        long dropped = 0;
        for (Ring r : rings) {
            dropped += r.dropped;
        }
        return new CaptureStatus(iface, file.toString(), direction, limit, written.get(), dropped, active);
    }

    private void drainLoop() {
        ByteBuffer buf = ByteBuffer.allocateDirect(RING_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        try {
            while (true) {
                boolean last = stopping;
                int moved = 0;
                for (Ring r : rings) {
                    moved += r.drain(buf, this);
                }
                if (buf.position() > 0) {
                    buf.flip();
                    while (buf.hasRemaining()) {
                        out.write(buf);
                    }
                    buf.clear();
                }
                if (limit > 0 && written.get() >= limit && active) {
                    active = false;
                    onLimit.accept(this);
                }
                if (last) {
                    break;
                }
                if (moved == 0) {
                    LockSupport.parkNanos(2_000_000);
                }
            }
        } catch (IOException e) {
            System.getLogger("dev.junction.core").log(System.Logger.Level.ERROR, "pcap capture on " + iface
                    + " to " + file + " failed: " + e.getMessage());
        } finally {
            active = false;
            try {
                out.close();
            } catch (IOException ignored) {
                // nothing more to write
            }
            arena.close();
        }
    }

    /** Whether the writer still takes frames (the limit not reached). */
    private boolean wants() {
        return limit == 0 || written.get() < limit;
    }

    private static final class Ring {
        private static final VarHandle HEAD;
        private static final VarHandle TAIL;

        static {
            try {
                HEAD = MethodHandles.lookup().findVarHandle(Ring.class, "head", long.class);
                TAIL = MethodHandles.lookup().findVarHandle(Ring.class, "tail", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final MemorySegment ring;
        private final long size;
        /** Bytes written by the worker (producer). */
        @SuppressWarnings("unused")
        private long head;
        /** Bytes consumed by the writer thread. */
        @SuppressWarnings("unused")
        private long tail;
        long dropped;

        Ring(MemorySegment ring) {
            this.ring = ring;
            this.size = ring.byteSize();
        }

        void offer(MemorySegment mem, long offset, int length, long micros) {
            int cap = Math.min(length, SNAPLEN);
            long record = RECORD_HEADER + ((cap + 7) & ~7L);
            long h = (long) HEAD.getOpaque(this);
            long pos = h % size;
            boolean wrap = pos + record > size; // records never wrap: skip to the start
            long need = record + (wrap ? size - pos : 0);
            if (h + need - (long) TAIL.getAcquire(this) > size) {
                dropped++;
                return;
            }
            if (wrap) {
                ring.set(ValueLayout.JAVA_INT, pos, -1);
                h += size - pos;
                pos = 0;
            }
            ring.set(ValueLayout.JAVA_INT, pos, cap);
            ring.set(ValueLayout.JAVA_INT, pos + 4, length);
            ring.set(ValueLayout.JAVA_LONG, pos + 8, micros);
            MemorySegment.copy(mem, offset, ring, pos + RECORD_HEADER, cap);
            HEAD.setRelease(this, h + record);
        }

        int drain(ByteBuffer into, PcapCapture capture) {
            long h = (long) HEAD.getAcquire(this);
            long t = (long) TAIL.getOpaque(this);
            int n = 0;
            while (t < h) {
                long pos = t % size;
                int cap = ring.get(ValueLayout.JAVA_INT, pos);
                if (cap < 0) {
                    t += size - pos;
                    continue;
                }
                if (into.remaining() < 16 + cap) {
                    break;
                }
                int orig = ring.get(ValueLayout.JAVA_INT, pos + 4);
                long micros = ring.get(ValueLayout.JAVA_LONG, pos + 8);
                if (capture.wants()) {
                    into.putInt((int) (micros / 1_000_000)).putInt((int) (micros % 1_000_000)).putInt(cap).putInt(orig);
                    // ofBuffer's segment starts at the buffer's position
                    MemorySegment.copy(ring, pos + RECORD_HEADER, MemorySegment.ofBuffer(into), 0, cap);
                    into.position(into.position() + cap);
                    capture.written.incrementAndGet();
                }
                t += RECORD_HEADER + ((cap + 7) & ~7L);
                n++;
            }
            TAIL.setRelease(this, t);
            return n;
        }
    }
}

package dev.junction.test.ixgbe;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;

/**
 * A register-level model of one port of an Intel 82599, for a driver's tests. The driver maps
 * {@link #bar0Path()} as it maps sysfs {@code resource0} and programs the device through plain
 * volatile 32-bit accesses; the test registers the memory the driver gives the device in
 * {@link #dma()}. A device thread polls the registers it cares about and plays the NIC with
 * delays: resets that self-clear, EEPROM and DMA initialisation that finish later, a link that
 * comes up after auto-negotiation, queue enables that read back late, frames from the receive wire
 * ({@link #injectRx}) written through descriptors into the driver's buffers, frames gathered from
 * transmit descriptors onto the transmit wire ({@link #pollTx}), statistics and RSS.
 *
 * <p>Every misuse it detects is a {@link ModelFault} in {@link #faults()}; a DMA outside the
 * registered memory also stops the device. With {@link ModelConfig#failFast()} the first fault
 * stops the device and is thrown from the next call into the model.
 */
public final class Ixgbe82599Model implements AutoCloseable {
    private static final int[] GLOBAL_WATCH = {Registers.CTRL, Registers.AUTOC};
    private static final int CTRL_WATCH = 0;
    private static final int AUTOC_WATCH = 1;
    private static final int IDLE_SPINS = 200;
    private static final long IDLE_PARK_NANOS = 20_000;

    final ModelConfig config;
    final Bar0 bar = new Bar0();
    final DmaSpace dma = new DmaSpace();
    final Statistics statistics = new Statistics(bar);
    private final List<ModelFault> faults = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<byte[]> rxWire = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<byte[]> txWire = new ConcurrentLinkedQueue<>();
    private final RxQueueModel[] rx;
    private final TxQueueModel[] tx;
    private final Thread device;
    private volatile boolean running = true;
    private volatile boolean halted;
    private volatile ModelFault firstFault;
    private volatile long wireDrops;
    private volatile long filtered;

    // Device-thread state from here on.
    private final int[] globalShadow = new int[GLOBAL_WATCH.length];
    private boolean resetting;
    private boolean dmaInitDone;
    private boolean linkUp;
    private long resetDoneAt;
    private long eepromDoneAt;
    private long dmaInitDoneAt;
    private long linkUpAt;
    private long linkResetDoneAt;
    private final ArrayDeque<byte[]> packetBuffer = new ArrayDeque<>();
    private int packetBufferBytes;
    private boolean headCountedNoBuffer;
    private long headClassification = -1;
    private final RssHasher rss = new RssHasher();
    private final byte[] rssKey = new byte[Toeplitz.KEY_BYTES];

    public Ixgbe82599Model(ModelConfig config) {
        this.config = config;
        rx = new RxQueueModel[config.queues()];
        tx = new TxQueueModel[config.queues()];
        for (int q = 0; q < config.queues(); q++) {
            rx[q] = new RxQueueModel(this, q);
            tx[q] = new TxQueueModel(this, q);
        }
        endReset(System.nanoTime());
        device = new Thread(this::run, "ixgbe-model");
        device.setDaemon(true);
        device.start();
    }

    /** The file a driver maps as BAR0, offset 0, {@link Registers#BAR0_SIZE} bytes. */
    public Path bar0Path() {
        return bar.path();
    }

    /** Where the test registers the memory the driver hands the device. */
    public DmaSpace dma() {
        return dma;
    }

    public ModelConfig config() {
        return config;
    }

    /** Puts a frame (destination MAC first, no FCS) on the receive wire. */
    public void injectRx(byte[] frame) {
        throwIfFailedFast();
        if (frame.length < 14 || frame.length > 16 * 1024) {
            throw new IllegalArgumentException("frame of " + frame.length + " bytes");
        }
        rxWire.add(frame.clone());
    }

    /** The next frame the device sent (no FCS, padded if HLREG0.TXPADEN), or null. */
    public byte[] pollTx() {
        throwIfFailedFast();
        return txWire.poll();
    }

    /** Waits up to {@code timeout} for the next frame sent; null when none came. */
    public byte[] awaitTx(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            byte[] frame = pollTx();
            if (frame != null || System.nanoTime() - deadline > 0) {
                return frame;
            }
            LockSupport.parkNanos(50_000);
        }
    }

    /**
     * The driver's read of a read-to-clear statistics register: returns what the register holds
     * and clears it, atomically against the device's counting. A plain read of the mapping shows
     * the same count but clears nothing (a mapped file cannot see reads); a driver takes this as
     * its read function for statistics (e.g. an {@code IntUnaryOperator}, {@code model::readToClear}
     * in tests, a volatile load of BAR0 on the card). See {@link Statistics} for the split
     * counters.
     */
    public int readToClear(int offset) {
        throwIfFailedFast();
        long value = statistics.readToClear(offset);
        if (value < 0) {
            fault(ModelFault.Kind.UNKNOWN_STATISTIC, offset, 0, "read-to-clear of a register the model does not count");
            return 0;
        }
        return (int) value;
    }

    /** The count behind a statistics register (36 bits for a split one), without clearing it. */
    public long peekStatistic(int offset) {
        return statistics.peek(offset);
    }

    /** Every fault recorded, oldest first. */
    public List<ModelFault> faults() {
        return List.copyOf(faults);
    }

    /** The first recorded fault of {@code kind}, waiting up to {@code timeout}; null if none. */
    public ModelFault awaitFault(ModelFault.Kind kind, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (ModelFault f : faults) {
                if (f.kind() == kind) {
                    return f;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                return null;
            }
            LockSupport.parkNanos(100_000);
        }
    }

    /** Fails with every recorded fault listed when there is any. */
    public void assertNoFaults() {
        if (!faults.isEmpty()) {
            throw new AssertionError("the 82599 model recorded " + faults.size() + " fault(s): " + faults);
        }
    }

    /** Whether the device stopped (a DMA fault, or any fault with fail-fast) until the next reset. */
    public boolean halted() {
        return halted;
    }

    /** Whether receive queue {@code q} runs (enabled and its enable delay over). */
    public boolean rxQueueRunning(int q) {
        return rx[q].state == DescriptorRing.ENABLED;
    }

    /**
     * How many rounds the model's thread has made over the registers, queues and wire: a test that
     * wrote registers waits for two more before it reads the model's state, which then reflects the
     * writes (or, for a change undone before the model looked, their absence).
     */
    public long passes() {
        return passes;
    }

    /** Whether transmit queue {@code q} runs. */
    public boolean txQueueRunning(int q) {
        return tx[q].state == DescriptorRing.ENABLED;
    }

    /** Frames that arrived while the link was down or RXCTRL.RXEN clear (no register counts them). */
    public long wireDrops() {
        return wireDrops;
    }

    /** Frames the address filter (FCTRL, RAL/RAH) refused. */
    public long filtered() {
        return filtered;
    }

    /** Stops the device thread and deletes the BAR0 file; rethrows a fail-fast fault. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(device);
        try {
            device.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (device.isAlive()) {
            throw new IllegalStateException("the model's device thread did not stop");
        }
        bar.close();
        throwIfFailedFast();
    }

    private void throwIfFailedFast() {
        ModelFault f = firstFault;
        if (config.failFast() && f != null) {
            throw new ModelFaultException(f);
        }
    }

    /** Records a fault; from the device thread, or from a test's thread (readToClear). */
    synchronized void fault(ModelFault.Kind kind, int register, long value, String what) {
        ModelFault f = new ModelFault(kind, register, value, what);
        // Halted first: whoever sees the fault (awaitFault reads the list without this lock) sees the halt too.
        if (config.failFast() || kind == ModelFault.Kind.DMA_UNMAPPED) {
            halted = true;
        }
        if (firstFault == null) {
            firstFault = f;
        }
        faults.add(f);
    }

    /** A DMA the registered memory does not cover: recorded, and the device hangs. */
    void dmaFault(long address, long length, String what) {
        fault(ModelFault.Kind.DMA_UNMAPPED, ModelFault.NO_REGISTER, address,
                what + ": " + length + " bytes at IOVA 0x" + Long.toHexString(address) + " are not registered DMA memory");
    }

    boolean dmaInitDone() {
        return dmaInitDone && !resetting;
    }

    // ---- the device thread ----

    private void run() {
        try {
            play();
        } catch (RuntimeException | Error e) {
            fault(ModelFault.Kind.MODEL_ERROR, ModelFault.NO_REGISTER, 0, "the model's device thread failed: " + e);
            halted = true;
        }
    }

    private volatile long passes;

    private void play() {
        int idle = 0;
        while (running) {
            long now = System.nanoTime();
            boolean worked = pollGlobal(now) | runTimers(now);
            for (int q = 0; q < rx.length; q++) {
                worked |= rx[q].poll(now);
                worked |= tx[q].poll(now);
            }
            if (!halted && !resetting) {
                worked |= receive(now);
                for (TxQueueModel t : tx) {
                    worked |= t.transmit(linkUp);
                }
            }
            passes++; // only this thread writes it
            if (worked) {
                idle = 0;
            } else if (++idle > IDLE_SPINS) {
                LockSupport.parkNanos(IDLE_PARK_NANOS);
            } else {
                Thread.onSpinWait();
            }
        }
    }

    private boolean pollGlobal(long now) {
        boolean changed = false;
        for (int i = 0; i < GLOBAL_WATCH.length; i++) {
            int value = bar.read(GLOBAL_WATCH[i]);
            if (value != globalShadow[i]) {
                globalShadow[i] = value;
                changed = true;
                onGlobalWrite(GLOBAL_WATCH[i], value, now);
            }
        }
        return changed;
    }

    private void onGlobalWrite(int offset, int value, long now) {
        if (offset == Registers.CTRL && (value & (Registers.CTRL_RST | Registers.CTRL_LRST)) != 0 && !resetting
                && linkResetDoneAt == 0) {
            beginReset(value, now);
        } else if (offset == Registers.AUTOC && (value & Registers.AUTOC_AN_RESTART) != 0 && !resetting) {
            // Negotiation restarts: the link drops and comes back at 10 Gb/s a while later.
            linkUp = false;
            bar.write(Registers.LINKS, 0);
            linkUpAt = now + config.linkNanos();
        }
    }

    private void beginReset(int ctrl, long now) {
        linkUp = false;
        linkUpAt = 0;
        bar.write(Registers.LINKS, 0);
        if ((ctrl & Registers.CTRL_RST) == 0) {
            // A link reset alone: the link drops, the bit clears itself, the rest keeps its state.
            linkResetDoneAt = now + config.resetNanos();
            return;
        }
        resetting = true;
        resetDoneAt = now + config.resetNanos();
        dmaInitDone = false;
        bar.update(Registers.EEC, 0, Registers.EEC_ARD);
        bar.update(Registers.RDRXCTL, 0, Registers.RDRXCTL_DMAIDONE);
        for (int q = 0; q < rx.length; q++) {
            rx[q].stop();
            tx[q].stop();
        }
    }

    private boolean runTimers(long now) {
        boolean fired = false;
        if (resetting && now - resetDoneAt >= 0) {
            resetting = false;
            endReset(now);
            fired = true;
        }
        if (linkResetDoneAt != 0 && now - linkResetDoneAt >= 0) {
            linkResetDoneAt = 0;
            bar.update(Registers.CTRL, 0, Registers.CTRL_LRST);
            globalShadow[CTRL_WATCH] = bar.read(Registers.CTRL);
            fired = true;
        }
        if (eepromDoneAt != 0 && now - eepromDoneAt >= 0) {
            eepromDoneAt = 0;
            loadEeprom();
            fired = true;
        }
        if (dmaInitDoneAt != 0 && now - dmaInitDoneAt >= 0) {
            dmaInitDoneAt = 0;
            dmaInitDone = true;
            bar.update(Registers.RDRXCTL, Registers.RDRXCTL_DMAIDONE, 0);
            fired = true;
        }
        if (linkUpAt != 0 && now - linkUpAt >= 0) {
            linkUpAt = 0;
            linkUp = true;
            bar.update(Registers.AUTOC, 0, Registers.AUTOC_AN_RESTART);
            globalShadow[AUTOC_WATCH] = bar.read(Registers.AUTOC);
            bar.write(Registers.LINKS, Registers.LINKS_UP | (Registers.LINKS_SPEED_10G << Registers.LINKS_SPEED_SHIFT));
            fired = true;
        }
        for (int q = 0; q < rx.length; q++) {
            fired |= rx[q].runTimers(now);
            fired |= tx[q].runTimers(now);
        }
        return fired;
    }

    /**
     * The state after a reset (and at power-on): every register at its default (zero except
     * HLREG0's CRC and padding bits), statistics cleared, queues stopped, the DMA engine and
     * EEPROM still loading; the device un-hangs.
     */
    private void endReset(long now) {
        // Everything but CTRL first: RST must read clear only once the rest is in reset state.
        bar.segment().asSlice(4).fill((byte) 0);
        bar.write(Registers.HLREG0, Registers.HLREG0_TXCRCEN | Registers.HLREG0_RXCRCSTRP | Registers.HLREG0_TXPADEN);
        for (int q = 0; q < rx.length; q++) {
            // BSIZEPACKET resets to 2 KiB, DESCTYPE to legacy: a driver must set it.
            bar.write(Registers.srrctl(q), 2);
            rx[q].stop();
            tx[q].stop();
        }
        statistics.reset();
        bar.write(Registers.CTRL, 0);
        for (int i = 0; i < GLOBAL_WATCH.length; i++) {
            globalShadow[i] = bar.read(GLOBAL_WATCH[i]);
        }
        packetBuffer.clear();
        packetBufferBytes = 0;
        headClassification = -1;
        headCountedNoBuffer = false;
        linkUp = false;
        linkUpAt = 0;
        linkResetDoneAt = 0;
        dmaInitDone = false;
        halted = config.failFast() && firstFault != null;
        eepromDoneAt = now + config.eepromNanos();
        dmaInitDoneAt = now + config.dmaInitNanos();
    }

    /** The EEPROM's MAC address into receive address entry 0, valid, then EEC.ARD. */
    private void loadEeprom() {
        long mac = config.mac();
        int low = 0;
        for (int i = 0; i < 4; i++) {
            low |= (int) ((mac >>> (40 - 8 * i)) & 0xFF) << (8 * i);
        }
        int high = (int) ((mac >>> 8) & 0xFF) | (int) ((mac & 0xFF) << 8);
        bar.write(Registers.RAL0, low);
        bar.write(Registers.RAH0, high | Registers.RAH_AV);
        bar.update(Registers.EEC, Registers.EEC_ARD, 0);
    }

    // ---- receive: wire -> packet buffer -> queue ----

    private boolean receive(long now) {
        boolean worked = false;
        byte[] frame;
        while ((frame = rxWire.poll()) != null) {
            worked = true;
            if (!linkUp || (bar.read(Registers.RXCTRL) & Registers.RXCTRL_RXEN) == 0) {
                wireDrops++;
                continue;
            }
            if (!accepted(frame)) {
                filtered++;
                continue;
            }
            // Counted as the MAC sees it: destination address through FCS.
            statistics.goodReceived(frame.length + 4);
            if (packetBufferBytes + frame.length > config.rxPacketBufferBytes()) {
                statistics.missed();
                continue;
            }
            packetBuffer.add(frame);
            packetBufferBytes += frame.length;
        }
        while (!packetBuffer.isEmpty()) {
            byte[] head = packetBuffer.peek();
            if (headClassification < 0) {
                headClassification = classify(head);
            }
            int q = (int) (headClassification >>> 40);
            RxQueueModel queue = q < rx.length ? rx[q] : null;
            int outcome = queue == null ? RxQueueModel.NOT_ENABLED : queue.deliver(head, headClassification, now);
            if (outcome == RxQueueModel.BUSY || outcome == RxQueueModel.HALTED) {
                return worked;
            }
            if (outcome == RxQueueModel.NO_BUFFER
                    && (bar.read(Registers.srrctl(q)) & Registers.SRRCTL_DROP_EN) == 0) {
                // Held in the packet buffer until the driver frees descriptors; counted once.
                if (!headCountedNoBuffer) {
                    statistics.noBuffer(q, false);
                    headCountedNoBuffer = true;
                }
                return worked;
            }
            if (outcome != RxQueueModel.DELIVERED) {
                // A queue not enabled (or not modelled) drops like a full ring with DROP_EN.
                statistics.noBuffer(q, true);
            }
            packetBuffer.poll();
            packetBufferBytes -= head.length;
            headClassification = -1;
            headCountedNoBuffer = false;
            worked = true;
        }
        return worked;
    }

    /** FCTRL and receive address 0: broadcast with BAM, multicast with MPE, unicast with UPE or a match. */
    private boolean accepted(byte[] frame) {
        int fctrl = bar.read(Registers.FCTRL);
        boolean broadcast = true;
        for (int i = 0; i < 6; i++) {
            broadcast &= frame[i] == (byte) 0xFF;
        }
        if (broadcast) {
            return (fctrl & Registers.FCTRL_BAM) != 0;
        }
        if ((frame[0] & 1) != 0) {
            return (fctrl & Registers.FCTRL_MPE) != 0;
        }
        if ((fctrl & Registers.FCTRL_UPE) != 0) {
            return true;
        }
        int rah = bar.read(Registers.RAH0);
        if ((rah & Registers.RAH_AV) == 0) {
            return false;
        }
        int ral = bar.read(Registers.RAL0);
        for (int i = 0; i < 4; i++) {
            if (frame[i] != (byte) (ral >>> (8 * i))) {
                return false;
            }
        }
        return frame[4] == (byte) rah && frame[5] == (byte) (rah >>> 8);
    }

    /** Queue in bits 47:40, RSS type in 35:32, hash in 31:0. */
    private long classify(byte[] frame) {
        int mrqc = bar.read(Registers.MRQC);
        if ((mrqc & Registers.MRQC_MRQE_MASK) != Registers.MRQC_MRQE_RSS) {
            return 0;
        }
        for (int n = 0; n < 10; n++) {
            int word = bar.read(Registers.rssrk(n));
            for (int b = 0; b < 4; b++) {
                rssKey[4 * n + b] = (byte) (word >>> (8 * b));
            }
        }
        long typed = rss.classify(frame, frame.length, mrqc, rssKey);
        if (typed == RssHasher.NOT_HASHED) {
            return 0;
        }
        int index = (int) typed & 127;
        int entry = bar.read(Registers.reta(index >>> 2)) >>> (8 * (index & 3));
        // The 82599 has 16 RSS queues: the entry's low 4 bits.
        long queue = entry & 0xF;
        return (queue << 40) | typed;
    }

    void sent(byte[] frame) {
        txWire.add(frame);
    }
}

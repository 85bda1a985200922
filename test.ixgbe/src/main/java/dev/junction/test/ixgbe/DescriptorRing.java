package dev.junction.test.ixgbe;

/**
 * What a receive and a transmit queue share: the ring registers watched for the driver's writes
 * (base, length, head, tail, control), the enable handshake (the ENABLE bit reads back set only a
 * while after it is written, and never when the ring is refused), and the ring checks.
 */
abstract class DescriptorRing {
    static final int DISABLED = 0;
    static final int PENDING = 1;
    static final int ENABLED = 2;

    // Indexes into registers/shadow
    static final int BAL = 0;
    static final int BAH = 1;
    static final int LEN = 2;
    static final int HEAD = 3;
    static final int TAIL = 4;
    static final int CTL = 5;
    private static final int[] LAST_HANDLED = {HEAD, CTL, TAIL};
    private static final int[] LOAD_ORDER = {TAIL, CTL, HEAD};

    final Ixgbe82599Model model;
    final Bar0 bar;
    final int queue;
    final String name;
    /** Offsets of the watched registers; subclasses may add more after {@link #CTL}. */
    final int[] registers;
    final int[] shadow;
    /** Written by the device thread only; volatile so that tests may ask whether a queue runs. */
    volatile int state = DISABLED;
    private long enableAt;
    long base;
    int count;
    int head;
    int tail;

    DescriptorRing(Ixgbe82599Model model, int queue, String name, int[] registers) {
        this.model = model;
        this.bar = model.bar;
        this.queue = queue;
        this.name = name;
        this.registers = registers;
        this.shadow = new int[registers.length];
    }

    /**
     * Looks for the driver's stores to this queue's registers; true when there were any.
     *
     * <p>A driver stores in the order ring setup, head, enable, tail. The registers are loaded in
     * the reverse order (tail, enable, head, setup), so that a store seen implies every store the
     * driver made before it is seen too: loading setup first could see the enable without the
     * length written just before it. What was seen is then handled in the driver's order.
     */
    final boolean poll(long now) {
        int changed = 0;
        for (int i : LOAD_ORDER) {
            changed |= load(i);
        }
        for (int i = CTL + 1; i < registers.length; i++) {
            changed |= load(i);
        }
        for (int i = 0; i < HEAD; i++) {
            changed |= load(i);
        }
        if (changed == 0) {
            return false;
        }
        for (int i = 0; i < registers.length; i++) {
            if (i != HEAD && i != CTL && i != TAIL && (changed & (1 << i)) != 0) {
                onWrite(i, shadow[i], now);
            }
        }
        for (int i : LAST_HANDLED) {
            if ((changed & (1 << i)) != 0) {
                onWrite(i, shadow[i], now);
            }
        }
        return true;
    }

    /** Loads register {@code i}; its bit when it changed, else 0. */
    private int load(int i) {
        int value = bar.read(registers[i]);
        if (value == shadow[i]) {
            return 0;
        }
        shadow[i] = value;
        return 1 << i;
    }

    /** Looks at the tail register alone; true when the driver moved it. */
    final boolean pollTail(long now) {
        int value = bar.read(registers[TAIL]);
        if (value == shadow[TAIL]) {
            return false;
        }
        shadow[TAIL] = value;
        onWrite(TAIL, value, now);
        return true;
    }

    private void onWrite(int which, int value, long now) {
        if (!model.dmaInitDone()) {
            model.fault(ModelFault.Kind.BEFORE_DMA_INIT, registers[which], value,
                    name + " register written before RDRXCTL.DMAIDONE (or during a reset)");
            return;
        }
        switch (which) {
            case TAIL -> {
                if (state == DISABLED) {
                    model.fault(ModelFault.Kind.QUEUE_NOT_ENABLED, registers[which], value,
                            name + " tail moved while the queue is not enabled (set ENABLE, wait for it to read back set)");
                } else if (state == PENDING) {
                    // Taken when the queue starts. The model cannot tell a driver that waited for
                    // ENABLE from one that read its own store back before the device saw it.
                    return;
                } else if (value < 0 || value >= count) {
                    model.fault(ModelFault.Kind.BAD_INDEX, registers[which], value,
                            name + " tail past the end of its " + count + "-descriptor ring");
                } else {
                    tail = value;
                }
            }
            case HEAD -> {
                if (state != DISABLED) {
                    model.fault(ModelFault.Kind.BAD_INDEX, registers[which], value,
                            name + " head written by the driver while the queue runs (the device owns it)");
                }
            }
            case CTL -> onControl(value, now);
            default -> onOtherWrite(which, value);
        }
    }

    private void onControl(int value, long now) {
        if ((value & Registers.DCTL_ENABLE) != 0) {
            if (state == DISABLED && accepts()) {
                state = PENDING;
                enableAt = now + model.config.queueEnableNanos();
            }
            if (state != ENABLED) {
                // Reads back clear until the queue really runs, and for ever if it was refused.
                setDeviceBits(CTL, 0, Registers.DCTL_ENABLE);
            }
        } else if (state != DISABLED) {
            state = DISABLED;
            onStopped();
        }
    }

    /** Called for the registers past {@link #CTL} and the ring's base and length. */
    void onOtherWrite(int which, int value) {
    }

    /** The checks of the ring a driver asks to enable; records a fault and says no if it is bad. */
    private boolean accepts() {
        long ringBase = ((long) shadow[BAH] << 32) | (shadow[BAL] & 0xFFFF_FFFFL);
        int length = shadow[LEN];
        if (length <= 0 || length % 128 != 0) {
            model.fault(ModelFault.Kind.RING_LENGTH, registers[LEN], length,
                    name + " ring length must be a non-zero multiple of 128 bytes (8 descriptors)");
            return false;
        }
        int descriptors = length / Descriptors.SIZE;
        if (model.config.powerOfTwoRings() && (descriptors & (descriptors - 1)) != 0) {
            model.fault(ModelFault.Kind.RING_LENGTH, registers[LEN], length,
                    name + " ring of " + descriptors + " descriptors is not a power of two (strict model option)");
            return false;
        }
        if ((ringBase & 127) != 0) {
            model.fault(ModelFault.Kind.RING_ALIGNMENT, registers[BAL], ringBase,
                    name + " ring base must be 128-byte aligned");
            return false;
        }
        if (model.dma.find(ringBase, length) == null) {
            model.dmaFault(ringBase, length, name + " ring");
            return false;
        }
        if (!acceptsQueueSettings()) {
            return false;
        }
        base = ringBase;
        count = descriptors;
        return true;
    }

    /** A subclass's own checks at enable (SRRCTL, CRC strip for receive). */
    abstract boolean acceptsQueueSettings();

    /** The enable delay elapsed: the queue runs from the head and tail the driver set. */
    boolean runTimers(long now) {
        if (state != PENDING || now - enableAt < 0) {
            return false;
        }
        head = bar.read(registers[HEAD]);
        tail = bar.read(registers[TAIL]);
        shadow[TAIL] = tail;
        if (head < 0 || head >= count || tail < 0 || tail >= count) {
            model.fault(ModelFault.Kind.BAD_INDEX, registers[HEAD], ((long) head << 32) | tail,
                    name + " head or tail outside the ring when the queue was enabled");
            head = 0;
            tail = 0;
        }
        setDeviceBits(CTL, Registers.DCTL_ENABLE, 0);
        // Last: a test that sees the queue running sees ENABLE set too.
        state = ENABLED;
        return true;
    }

    /** Stopped by a reset: disabled, watching the registers from their current values. */
    final void stop() {
        state = DISABLED;
        onStopped();
        for (int i = 0; i < registers.length; i++) {
            shadow[i] = bar.read(registers[i]);
        }
    }

    void onStopped() {
    }

    /** The device moves the head: its own store, not one to react to. */
    final void advanceHead(int index) {
        head = index;
        bar.write(registers[HEAD], index);
        shadow[HEAD] = index;
    }

    final void setDeviceBits(int which, int set, int clear) {
        bar.update(registers[which], set, clear);
        shadow[which] = bar.read(registers[which]);
    }

    /** The ring's memory, or null after recording a DMA fault (the region went away). */
    final DmaSpace.Region ring() {
        DmaSpace.Region region = model.dma.find(base, (long) count * Descriptors.SIZE);
        if (region == null) {
            model.dmaFault(base, (long) count * Descriptors.SIZE, name + " ring");
        }
        return region;
    }

    static long offsetIn(DmaSpace.Region region, long iova) {
        return iova - region.iova();
    }
}

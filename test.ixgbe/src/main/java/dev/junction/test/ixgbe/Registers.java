package dev.junction.test.ixgbe;

/**
 * The 82599's BAR0 registers and bits the model implements: offsets in bytes from the start of
 * BAR0, each register 32 bits, little-endian. Taken from the Intel 82599 10 GbE Controller
 * Datasheet, chapter 8 (register descriptions); the module's README lists each with its section
 * and says which were checked against a second source and which were not.
 *
 * <p>A driver's tests may use these names to read what the model did; the driver itself must
 * carry its own copy taken from the datasheet, so that the model checks it instead of sharing its
 * mistakes.
 */
public final class Registers {
    private Registers() {
    }

    /** Size of BAR0 on the 82599: 512 KiB of memory-mapped registers. */
    public static final int BAR0_SIZE = 512 * 1024;

    // General control (datasheet 8.2.3.1)
    public static final int CTRL = 0x00000;
    /** Link reset: resets the MAC's link state; self-clears. */
    public static final int CTRL_LRST = 1 << 3;
    /** Device (software) reset: self-clears when the reset is done. */
    public static final int CTRL_RST = 1 << 26;
    public static final int STATUS = 0x00008;

    // EEPROM/Flash control (8.2.3.2.1)
    public static final int EEC = 0x10010;
    /** EEPROM auto-read done: set once the device has loaded its EEPROM after a reset. */
    public static final int EEC_ARD = 1 << 9;

    // Interrupts (8.2.3.5): only the mask-clear register is known; interrupts are not modelled.
    public static final int EIMC = 0x00888;

    // Receive DMA control (8.2.3.8)
    public static final int RDRXCTL = 0x02F00;
    public static final int RDRXCTL_CRCSTRIP = 1 << 1;
    /** DMA initialisation done: set a while after reset; no queue may be set up before it. */
    public static final int RDRXCTL_DMAIDONE = 1 << 3;
    public static final int RXCTRL = 0x03000;
    public static final int RXCTRL_RXEN = 1 << 0;

    // Receive filters (8.2.3.7)
    public static final int FCTRL = 0x05080;
    public static final int FCTRL_SBP = 1 << 1;
    public static final int FCTRL_MPE = 1 << 8;
    public static final int FCTRL_UPE = 1 << 9;
    public static final int FCTRL_BAM = 1 << 10;

    // MAC (8.2.3.22)
    public static final int HLREG0 = 0x04240;
    public static final int HLREG0_TXCRCEN = 1 << 0;
    public static final int HLREG0_RXCRCSTRP = 1 << 1;
    public static final int HLREG0_TXPADEN = 1 << 10;
    public static final int AUTOC = 0x042A0;
    public static final int AUTOC_AN_RESTART = 1 << 12;
    public static final int LINKS = 0x042A4;
    public static final int LINKS_SPEED_SHIFT = 28;
    /** LINKS speed field (bits 29:28) value for 10 Gb/s on the 82599. */
    public static final int LINKS_SPEED_10G = 0b11;
    public static final int LINKS_UP = 1 << 30;

    // Receive address (8.2.3.7.8/9): entry 0 only
    public static final int RAL0 = 0x0A200;
    public static final int RAH0 = 0x0A204;
    /** Address valid: without it entry 0 matches nothing. */
    public static final int RAH_AV = 1 << 31;

    // Receive queues (8.2.3.8.1-8.2.3.8.7): queues 0..63 at 0x01000, 64..127 at 0x0D000
    public static int rdbal(int q) {
        return rxQueueBase(q);
    }

    public static int rdbah(int q) {
        return rxQueueBase(q) + 0x04;
    }

    public static int rdlen(int q) {
        return rxQueueBase(q) + 0x08;
    }

    public static int rdh(int q) {
        return rxQueueBase(q) + 0x10;
    }

    public static int srrctl(int q) {
        return rxQueueBase(q) + 0x14;
    }

    public static int rdt(int q) {
        return rxQueueBase(q) + 0x18;
    }

    public static int rxdctl(int q) {
        return rxQueueBase(q) + 0x28;
    }

    private static int rxQueueBase(int q) {
        return q < 64 ? 0x01000 + 0x40 * q : 0x0D000 + 0x40 * (q - 64);
    }

    /** Receive buffer size in 1 KiB units (bits 4:0). */
    public static final int SRRCTL_BSIZEPACKET_MASK = 0x1F;
    public static final int SRRCTL_DESCTYPE_SHIFT = 25;
    public static final int SRRCTL_DESCTYPE_MASK = 0b111 << SRRCTL_DESCTYPE_SHIFT;
    /** DESCTYPE 001b: advanced descriptors, one buffer (the only receive format modelled). */
    public static final int SRRCTL_DESCTYPE_ADV_ONEBUF = 0b001 << SRRCTL_DESCTYPE_SHIFT;
    /** Drop when no descriptor is free, instead of holding the frame in the packet buffer. */
    public static final int SRRCTL_DROP_EN = 1 << 28;
    /** Queue enable, in RXDCTL and TXDCTL alike; reads back set only once the queue runs. */
    public static final int DCTL_ENABLE = 1 << 25;

    // Transmit queues (8.2.3.9)
    public static int tdbal(int q) {
        return 0x06000 + 0x40 * q;
    }

    public static int tdbah(int q) {
        return 0x06004 + 0x40 * q;
    }

    public static int tdlen(int q) {
        return 0x06008 + 0x40 * q;
    }

    public static int tdh(int q) {
        return 0x06010 + 0x40 * q;
    }

    public static int tdt(int q) {
        return 0x06018 + 0x40 * q;
    }

    public static int txdctl(int q) {
        return 0x06028 + 0x40 * q;
    }

    public static final int DMATXCTL = 0x04A80;
    /** Transmit enable: no queue transmits without it. */
    public static final int DMATXCTL_TE = 1 << 0;
    public static final int RTTDCS = 0x04900;
    public static final int RTTDCS_ARBDIS = 1 << 6;
    public static final int DTXMXSZRQ = 0x08100;

    public static int rxpbsize(int n) {
        return 0x03C00 + 4 * n;
    }

    public static int txpbsize(int n) {
        return 0x0CC00 + 4 * n;
    }

    // Receive-side scaling (8.2.3.7.12-14)
    public static final int MRQC = 0x0EC80;
    public static final int MRQC_MRQE_MASK = 0xF;
    /** MRQE 0001b: RSS only (no VMDq, no DCB). */
    public static final int MRQC_MRQE_RSS = 0b0001;
    public static final int MRQC_TCP_IPV4 = 1 << 16;
    public static final int MRQC_IPV4 = 1 << 17;
    public static final int MRQC_IPV6 = 1 << 20;
    public static final int MRQC_TCP_IPV6 = 1 << 21;
    public static final int MRQC_UDP_IPV4 = 1 << 22;
    public static final int MRQC_UDP_IPV6 = 1 << 23;

    /** RSS key register n of 10: key bytes 4n..4n+3, byte 4n in bits 7:0. */
    public static int rssrk(int n) {
        return 0x0EB80 + 4 * n;
    }

    /** Redirection table register n of 32: entries 4n..4n+3, entry 4n in bits 7:0. */
    public static int reta(int n) {
        return 0x0EB00 + 4 * n;
    }

    // Statistics (8.2.3.23): all read-to-clear, see Ixgbe82599Model.readToClear
    public static final int GPRC = 0x04074;
    public static final int GPTC = 0x04080;
    public static final int GORCL = 0x04088;
    public static final int GORCH = 0x0408C;
    public static final int GOTCL = 0x04090;
    public static final int GOTCH = 0x04094;

    /** Missed packets of packet buffer n (0..7): the packet buffer was full. */
    public static int mpc(int n) {
        return 0x03FA0 + 4 * n;
    }

    /** Receive-no-buffers count of packet buffer n (0..7): no free descriptor for a frame. */
    public static int rnbc(int n) {
        return 0x03FC0 + 4 * n;
    }

    public static int qprc(int q) {
        return 0x01030 + 0x40 * q;
    }

    public static int qbrcl(int q) {
        return 0x01034 + 0x40 * q;
    }

    public static int qbrch(int q) {
        return 0x01038 + 0x40 * q;
    }

    /** Frames dropped for queue q because no descriptor was free and SRRCTL.DROP_EN was set. */
    public static int qprdc(int q) {
        return 0x01430 + 0x40 * q;
    }

    public static int qptc(int q) {
        return 0x08680 + 4 * q;
    }

    public static int qbtcl(int q) {
        return 0x08700 + 8 * q;
    }

    public static int qbtch(int q) {
        return 0x08704 + 8 * q;
    }
}

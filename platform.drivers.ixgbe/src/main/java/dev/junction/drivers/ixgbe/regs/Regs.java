package dev.junction.drivers.ixgbe.regs;

/**
 * The 82599's registers this driver uses: byte offsets into BAR0 and their bits, written from the
 * Intel 82599 10 GbE Controller Datasheet, chapter 8 (section numbers beside each group). The
 * driver's own copy: the register model in the tests keeps its own, so that a misreading here is
 * caught there instead of shared.
 */
public final class Regs {
    private Regs() {
    }

    /** BAR0 of the 82599 is 512 KiB (memory space, 8.1). */
    public static final long BAR0_SIZE = 512 * 1024;

    // 8.2.3.1 General control
    public static final int CTRL = 0x00000;
    /** Link reset (bit 3). */
    public static final int CTRL_LRST = 1 << 3;
    /** Device reset (bit 26), self-clearing. */
    public static final int CTRL_RST = 1 << 26;
    public static final int CTRL_RST_MASK = CTRL_LRST | CTRL_RST;
    public static final int STATUS = 0x00008;
    public static final int CTRL_EXT = 0x00018;
    /** No-snoop disable (bit 16): the rings live in ordinary, cache-coherent memory. */
    public static final int CTRL_EXT_NS_DIS = 1 << 16;

    // 8.2.3.2 EEPROM
    public static final int EEC = 0x10010;
    /** EEPROM auto-read done (bit 9). */
    public static final int EEC_ARD = 1 << 9;

    // 8.2.3.5 Interrupts: the driver polls, so every cause is masked.
    public static final int EIMC = 0x00888;
    public static final int EIMC_ALL = 0x7FFF_FFFF;

    // 8.2.3.7 Receive filters
    public static final int FCTRL = 0x05080;
    public static final int FCTRL_MPE = 1 << 8;
    public static final int FCTRL_UPE = 1 << 9;
    public static final int FCTRL_BAM = 1 << 10;
    public static final int RXCSUM = 0x05000;
    /** Packet checksum disable (bit 13): the write-back then carries the RSS hash, not the IP checksum. */
    public static final int RXCSUM_PCSD = 1 << 13;

    public static int ral(int n) {
        return 0x0A200 + 8 * n;
    }

    public static int rah(int n) {
        return 0x0A204 + 8 * n;
    }

    /** Address valid (bit 31 of RAH). */
    public static final int RAH_AV = 1 << 31;

    // 8.2.3.7.12-14 RSS
    public static final int MRQC = 0x0EC80;
    /** MRQE 0001b: RSS only. */
    public static final int MRQC_RSS = 0x1;
    public static final int MRQC_TCPIPV4 = 1 << 16;
    public static final int MRQC_IPV4 = 1 << 17;
    public static final int MRQC_IPV6 = 1 << 20;
    public static final int MRQC_TCPIPV6 = 1 << 21;
    public static final int MRQC_UDPIPV4 = 1 << 22;
    public static final int MRQC_UDPIPV6 = 1 << 23;
    public static final int RETA_REGISTERS = 32;
    public static final int RSSRK_REGISTERS = 10;

    public static int reta(int n) {
        return 0x0EB00 + 4 * n;
    }

    public static int rssrk(int n) {
        return 0x0EB80 + 4 * n;
    }

    // 8.2.3.8 Receive DMA. Queues 0..63 at 0x01000 + 0x40·n, 64..127 at 0x0D000 + 0x40·(n - 64).
    private static int rxQueue(int n, int offset) {
        return (n < 64 ? 0x01000 + 0x40 * n : 0x0D000 + 0x40 * (n - 64)) + offset;
    }

    public static int rdbal(int n) {
        return rxQueue(n, 0x00);
    }

    public static int rdbah(int n) {
        return rxQueue(n, 0x04);
    }

    public static int rdlen(int n) {
        return rxQueue(n, 0x08);
    }

    public static int dcaRxctrl(int n) {
        return rxQueue(n, 0x0C);
    }

    /** DCA_RXCTRL bit 12: reserved, set at reset, must be cleared (4.6.7, the note on relaxed ordering). */
    public static final int DCA_RXCTRL_BIT12 = 1 << 12;

    public static int rdh(int n) {
        return rxQueue(n, 0x10);
    }

    public static int srrctl(int n) {
        return rxQueue(n, 0x14);
    }

    public static int rdt(int n) {
        return rxQueue(n, 0x18);
    }

    public static int rxdctl(int n) {
        return rxQueue(n, 0x28);
    }

    /** SRRCTL.BSIZEPACKET, bits 4:0, in KiB. */
    public static final int SRRCTL_BSIZEPACKET_MASK = 0x1F;
    /** SRRCTL.DESCTYPE, bits 27:25. */
    public static final int SRRCTL_DESCTYPE_MASK = 0x7 << 25;
    /** DESCTYPE 001b: advanced descriptors, one buffer. */
    public static final int SRRCTL_DESCTYPE_ADV_ONEBUF = 0x1 << 25;
    /** Drop enable (bit 28): a frame for a full ring is dropped instead of blocking the packet buffer. */
    public static final int SRRCTL_DROP_EN = 1 << 28;
    /** Queue enable (bit 25) of RXDCTL and TXDCTL. */
    public static final int DCTL_ENABLE = 1 << 25;

    public static final int RDRXCTL = 0x02F00;
    public static final int RDRXCTL_CRCSTRIP = 1 << 1;
    public static final int RDRXCTL_DMAIDONE = 1 << 3;
    /** RSCFRSTSIZE, bits 21:17: reads non-zero after reset, must be written 0 (8.2.3.8.8). */
    public static final int RDRXCTL_RSCFRSTSIZE = 0x1F << 17;
    /** RSCACKC (bit 25) and FCOE_WRFIX (bit 26): read 0 after reset, must be written 1. */
    public static final int RDRXCTL_RSCACKC = 1 << 25;
    public static final int RDRXCTL_FCOE_WRFIX = 1 << 26;
    public static final int RXCTRL = 0x03000;
    public static final int RXCTRL_RXEN = 1 << 0;

    public static int rxpbsize(int n) {
        return 0x03C00 + 4 * n;
    }

    // 8.2.3.22 MAC
    public static final int HLREG0 = 0x04240;
    public static final int HLREG0_TXCRCEN = 1 << 0;
    public static final int HLREG0_RXCRCSTRP = 1 << 1;
    public static final int HLREG0_JUMBOEN = 1 << 2;
    public static final int HLREG0_TXPADEN = 1 << 10;
    /** MAXFRS: maximum frame size in bits 31:16. */
    public static final int MAXFRS = 0x04268;
    public static final int AUTOC = 0x042A0;
    /** AUTOC.LMS, bits 15:13: link mode select. */
    public static final int AUTOC_LMS_MASK = 0x7 << 13;
    /** LMS 011b: 10 Gb/s serial link with KX/KR or SFI. */
    public static final int AUTOC_LMS_10G_SERIAL = 0x3 << 13;
    /** AUTOC.10G_PMA_PMD_PARALLEL, bits 8:7 (00b: XAUI). */
    public static final int AUTOC_10G_PMA_PMD_MASK = 0x3 << 7;
    public static final int AUTOC_AN_RESTART = 1 << 12;
    public static final int LINKS = 0x042A4;
    public static final int LINKS_UP = 1 << 30;
    public static final int LINKS_SPEED_SHIFT = 28;
    public static final int LINKS_SPEED_MASK = 0x3 << LINKS_SPEED_SHIFT;

    // 8.2.3.9 Transmit DMA
    public static final int DTXMXSZRQ = 0x08100;
    public static final int DMATXCTL = 0x04A80;
    public static final int DMATXCTL_TE = 1 << 0;
    /** 8.2.3.10.1 RTTDCS: DCB arbiter control; ARBDIS (bit 6) while the queues are set up. */
    public static final int RTTDCS = 0x04900;
    public static final int RTTDCS_ARBDIS = 1 << 6;

    public static int txpbsize(int n) {
        return 0x0CC00 + 4 * n;
    }

    public static int tdbal(int n) {
        return 0x06000 + 0x40 * n;
    }

    public static int tdbah(int n) {
        return 0x06004 + 0x40 * n;
    }

    public static int tdlen(int n) {
        return 0x06008 + 0x40 * n;
    }

    public static int tdh(int n) {
        return 0x06010 + 0x40 * n;
    }

    public static int tdt(int n) {
        return 0x06018 + 0x40 * n;
    }

    public static int txdctl(int n) {
        return 0x06028 + 0x40 * n;
    }

    /** TXDCTL thresholds: PTHRESH bits 6:0, HTHRESH 14:8, WTHRESH 22:16. */
    public static int txdctlThresholds(int pthresh, int hthresh, int wthresh) {
        return (pthresh & 0x7F) | (hthresh & 0x7F) << 8 | (wthresh & 0x7F) << 16;
    }

    public static final int TXDCTL_THRESHOLD_MASK = txdctlThresholds(0x7F, 0x7F, 0x7F);

    // 8.2.3.23 Statistics, all read-to-clear.
    public static final int GPRC = 0x04074;
    public static final int GPTC = 0x04080;
    public static final int GORCL = 0x04088;
    public static final int GORCH = 0x0408C;
    public static final int GOTCL = 0x04090;
    public static final int GOTCH = 0x04094;

    public static int mpc(int n) {
        return 0x03FA0 + 4 * n;
    }

    public static int rnbc(int n) {
        return 0x03FC0 + 4 * n;
    }

    public static int qprc(int n) {
        return 0x01030 + 0x40 * n;
    }

    public static int qbrcl(int n) {
        return 0x01034 + 0x40 * n;
    }

    public static int qbrch(int n) {
        return 0x01038 + 0x40 * n;
    }

    public static int qprdc(int n) {
        return 0x01430 + 0x40 * n;
    }

    public static int qptc(int n) {
        return 0x08680 + 4 * n;
    }

    public static int qbtcl(int n) {
        return 0x08700 + 8 * n;
    }

    public static int qbtch(int n) {
        return 0x08704 + 8 * n;
    }
}

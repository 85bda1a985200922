package dev.junction.drivers.ixgbe.regs;

/**
 * The advanced descriptors, 16 bytes each: receive (datasheet 7.1.6) and transmit data (7.2.3.2.4).
 * Offsets are bytes into one descriptor; the rings are little-endian like the host.
 */
public final class Descriptors {
    private Descriptors() {
    }

    public static final int SIZE = 16;

    // 7.1.6.1 Receive, read format: packet buffer address, header buffer address.
    public static final int RX_PACKET_ADDRESS = 0;
    /** The header buffer address: its qword is where the write-back puts the status, so it is zeroed on refill. */
    public static final int RX_HEADER_ADDRESS = 8;

    // 7.1.6.2 Receive, write-back format.
    /** Dword 0: RSS type in bits 3:0. */
    public static final int RX_WB_INFO = 0;
    public static final int RX_WB_RSS_TYPE_MASK = 0xF;
    /** Dword 1: the RSS hash. */
    public static final int RX_WB_RSS_HASH = 4;
    /** Dword 2: extended status (bits 19:0) and errors (31:20). */
    public static final int RX_WB_STATUS = 8;
    public static final int RX_STATUS_DD = 1 << 0;
    public static final int RX_STATUS_EOP = 1 << 1;
    /** Dword 3: packet length in bits 15:0. */
    public static final int RX_WB_LENGTH = 12;

    // 7.2.3.2.4 Transmit data descriptor.
    public static final int TX_ADDRESS = 0;
    /** Dword 2: DTALEN 15:0, DTYP 23:20, DCMD 31:24. */
    public static final int TX_CMD_TYPE_LEN = 8;
    /** Dword 3: STA 3:0 (DD in bit 0 after write-back), PAYLEN 31:14. */
    public static final int TX_OLINFO_STATUS = 12;
    public static final int TX_DTYP_DATA = 0x3 << 20;
    public static final int TX_DCMD_EOP = 1 << 24;
    public static final int TX_DCMD_IFCS = 1 << 25;
    public static final int TX_DCMD_RS = 1 << 27;
    public static final int TX_DCMD_DEXT = 1 << 29;
    public static final int TX_STATUS_DD = 1 << 0;
    public static final int TX_PAYLEN_SHIFT = 14;
}

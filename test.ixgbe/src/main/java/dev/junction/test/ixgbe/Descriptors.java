package dev.junction.test.ixgbe;

/**
 * The layouts of the 82599's advanced descriptors (datasheet 7.1.6 receive, 7.2.3 transmit), 16
 * bytes each, little-endian, as byte offsets within a descriptor and bit masks within the 32-bit
 * word at that offset.
 */
public final class Descriptors {
    private Descriptors() {
    }

    public static final int SIZE = 16;

    // Advanced receive descriptor, read format (what the driver writes)
    /** Packet buffer address, 64 bits. */
    public static final int RX_PACKET_ADDRESS = 0;
    /** Header buffer address, 64 bits; its bit 0 is where the write-back's DD lands. */
    public static final int RX_HEADER_ADDRESS = 8;

    // Advanced receive descriptor, write-back format (what the device writes)
    /** RSS type in bits 3:0 of the word at offset 0. */
    public static final int RX_WB_RSS_TYPE = 0;
    /** The RSS hash, 32 bits. */
    public static final int RX_WB_RSS_HASH = 4;
    /** Extended status in bits 19:0, extended error in bits 31:20. */
    public static final int RX_WB_STATUS = 8;
    /** Packet buffer length in bits 15:0, VLAN tag in bits 31:16. */
    public static final int RX_WB_LENGTH = 12;
    public static final int RX_STATUS_DD = 1 << 0;
    public static final int RX_STATUS_EOP = 1 << 1;

    public static final int RSS_TYPE_NONE = 0x0;
    public static final int RSS_TYPE_TCP_IPV4 = 0x1;
    public static final int RSS_TYPE_IPV4 = 0x2;
    public static final int RSS_TYPE_TCP_IPV6 = 0x3;
    public static final int RSS_TYPE_IPV6 = 0x5;
    public static final int RSS_TYPE_UDP_IPV4 = 0x7;
    public static final int RSS_TYPE_UDP_IPV6 = 0x8;

    // Advanced transmit data descriptor, read format
    public static final int TX_BUFFER_ADDRESS = 0;
    /** DTALEN 15:0, DTYP 23:20, DCMD 31:24. */
    public static final int TX_CMD_TYPE_LEN = 8;
    /** STA 3:0 (DD is bit 0, written back), IDX 6:4, CC 7, POPTS 13:8, PAYLEN 31:14. */
    public static final int TX_OLINFO_STATUS = 12;
    public static final int TX_DTALEN_MASK = 0xFFFF;
    public static final int TX_DTYP_SHIFT = 20;
    public static final int TX_DTYP_MASK = 0xF << TX_DTYP_SHIFT;
    public static final int TX_DTYP_DATA = 0b0011 << TX_DTYP_SHIFT;
    public static final int TX_DTYP_CONTEXT = 0b0010 << TX_DTYP_SHIFT;
    public static final int TX_DCMD_EOP = 1 << 24;
    public static final int TX_DCMD_IFCS = 1 << 25;
    public static final int TX_DCMD_RS = 1 << 27;
    public static final int TX_DCMD_DEXT = 1 << 29;
    public static final int TX_DCMD_VLE = 1 << 30;
    public static final int TX_DCMD_TSE = 1 << 31;
    public static final int TX_STATUS_DD = 1 << 0;
    public static final int TX_PAYLEN_SHIFT = 14;
}

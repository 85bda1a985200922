package dev.junction.test.ixgbe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Toeplitz hash against Microsoft's published verification data ("Verifying the RSS Hash
 * Calculation", Windows driver documentation): the default 40-byte key, the hash over source
 * address, destination address, then source and destination port. The tables there list the
 * destination first.
 */
class ToeplitzTest {
    static final byte[] KEY = {
            0x6d, 0x5a, 0x56, (byte) 0xda, 0x25, 0x5b, 0x0e, (byte) 0xc2,
            0x41, 0x67, 0x25, 0x3d, 0x43, (byte) 0xa3, (byte) 0x8f, (byte) 0xb0,
            (byte) 0xd0, (byte) 0xca, 0x2b, (byte) 0xcb, (byte) 0xae, 0x7b, 0x30, (byte) 0xb4,
            0x77, (byte) 0xcb, 0x2d, (byte) 0xa3, (byte) 0x80, 0x30, (byte) 0xf2, 0x0c,
            0x6a, 0x42, (byte) 0xb7, 0x3b, (byte) 0xbe, (byte) 0xac, 0x01, (byte) 0xfa};

    static byte[] input(String source, int sourcePort, String destination, int destinationPort, boolean ports)
            throws UnknownHostException {
        byte[] s = InetAddress.getByName(source).getAddress();
        byte[] d = InetAddress.getByName(destination).getAddress();
        byte[] in = new byte[s.length * 2 + (ports ? 4 : 0)];
        System.arraycopy(s, 0, in, 0, s.length);
        System.arraycopy(d, 0, in, s.length, d.length);
        if (ports) {
            in[2 * s.length] = (byte) (sourcePort >>> 8);
            in[2 * s.length + 1] = (byte) sourcePort;
            in[2 * s.length + 2] = (byte) (destinationPort >>> 8);
            in[2 * s.length + 3] = (byte) destinationPort;
        }
        return in;
    }

    @ParameterizedTest(name = "{2}:{3} -> {0}:{1}")
    @CsvSource({
            // destination, port, source, port, addresses only, with TCP ports
            "161.142.100.80, 1766, 66.9.149.187, 2794, 0x323e8fc2, 0x51ccc178",
            "65.69.140.83, 4739, 199.92.111.2, 14230, 0xd718262a, 0xc626b0ea",
            "12.22.207.184, 38024, 24.19.198.95, 12898, 0xd2d0a5de, 0x5c2b394a",
            "209.142.163.6, 2217, 38.27.205.30, 48228, 0x82989176, 0xafc7327f",
            "202.188.127.2, 1303, 153.39.163.191, 44251, 0x5d1809c5, 0x10e828a2",
            "3ffe:2501:200:3::1, 1766, 3ffe:2501:200:1fff::7, 2794, 0x2cc18cd5, 0x40207d3d",
            "ff02::1, 4739, 3ffe:501:8::260:97ff:fe40:efab, 14230, 0x0f0c461c, 0xdde51bbf",
            "fe80::200:f8ff:fe21:67cf, 38024, 3ffe:1900:4545:3:200:f8ff:fe21:67cf, 44251, 0x4b61e985, 0x02d1feef"})
    void matchesMicrosoftsVerificationData(String destination, int destinationPort, String source, int sourcePort,
                                           String addressesOnly, String withPorts) throws UnknownHostException {
        byte[] two = input(source, sourcePort, destination, destinationPort, false);
        byte[] four = input(source, sourcePort, destination, destinationPort, true);
        assertEquals(Integer.parseUnsignedInt(addressesOnly.substring(2), 16), Toeplitz.hash(KEY, two, 0, two.length));
        assertEquals(Integer.parseUnsignedInt(withPorts.substring(2), 16), Toeplitz.hash(KEY, four, 0, four.length));
    }

    @org.junit.jupiter.api.Test
    void theKeyMustCoverTheInputPlus32Bits() {
        assertThrows(IllegalArgumentException.class, () -> Toeplitz.hash(new byte[12], new byte[12], 0, 12));
    }
}

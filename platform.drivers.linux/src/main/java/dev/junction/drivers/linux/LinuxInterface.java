package dev.junction.drivers.linux;

import dev.junction.packet.MacAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about a Linux network interface, read from sysfs (control path only). */
final class LinuxInterface {
    private LinuxInterface() {
    }

    private static String read(String ifname, String attr) {
        try {
            return Files.readString(Path.of("/sys/class/net", ifname, attr)).trim();
        } catch (IOException e) {
            return null;
        }
    }

    static boolean exists(String ifname) {
        return Files.isDirectory(Path.of("/sys/class/net", ifname));
    }

    static int index(String ifname) {
        String s = read(ifname, "ifindex");
        if (s == null) {
            throw new IllegalArgumentException("no Linux interface named '" + ifname + "' (see ip link)");
        }
        return Integer.parseInt(s);
    }

    static long mac(String ifname) {
        String s = read(ifname, "address");
        return s == null || s.isEmpty() ? 0 : MacAddress.parse(s);
    }

    static int mtu(String ifname) {
        String s = read(ifname, "mtu");
        return s == null ? 1500 : Integer.parseInt(s);
    }

    /** Link up: the interface is up and has carrier (veth: its peer is up too). */
    static boolean carrier(String ifname) {
        return "1".equals(read(ifname, "carrier"));
    }

    /** The interface's receive queues (its {@code queues/rx-N} entries in sysfs), at least 1. */
    static int rxQueues(String ifname) {
        String[] q = new java.io.File("/sys/class/net/" + ifname + "/queues").list((d, n) -> n.startsWith("rx-"));
        return q == null || q.length == 0 ? 1 : q.length;
    }
}

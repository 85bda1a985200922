package dev.junction.drivers.linux;

import dev.junction.config.StatementType;
import java.util.LinkedHashMap;
import java.util.Map;
import org.osgi.service.component.annotations.Component;

/**
 * The configuration statement {@code linux NAME [type=afpacket|tap] [iface=IFNAME]}, stored as a
 * {@code junction.linux} factory configuration (the same one {@code linux:afpacket} and
 * {@code linux:tap} write).
 */
@Component
public final class LinuxStatement implements StatementType {

    @Override
    public String kind() {
        return "linux";
    }

    @Override
    public boolean named() {
        return true;
    }

    @Override
    public String pid() {
        return "junction.linux";
    }

    @Override
    public Map<String, String> keys() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("type", "afpacket (attach an existing interface) or tap (create one); default afpacket");
        keys.put("iface", "afpacket: the Linux interface, default NAME");
        return keys;
    }

    @Override
    public String usage() {
        return "linux NAME [type=afpacket|tap] [iface=IFNAME]";
    }

    @Override
    public Map<String, Object> check(String name, Map<String, String> words) {
        String type = words.getOrDefault("type", "afpacket");
        Map<String, Object> out = new LinkedHashMap<>();
        switch (type) {
            case "afpacket" -> {
                String iface = words.getOrDefault("iface", name);
                if (!LinuxInterface.exists(iface)) {
                    throw new IllegalArgumentException("no Linux interface named '" + iface + "' (see ip link)");
                }
                out.put("type", type);
                out.put("iface", iface);
            }
            case "tap" -> {
                if (name.length() > 15) {
                    throw new IllegalArgumentException("a TAP name has at most 15 characters (Linux IFNAMSIZ): " + name);
                }
                if (words.containsKey("iface")) {
                    throw new IllegalArgumentException("a tap is named by NAME; iface is for afpacket");
                }
                out.put("type", type);
            }
            default -> throw new IllegalArgumentException("type must be afpacket or tap, not '" + type + "'");
        }
        return out;
    }
}

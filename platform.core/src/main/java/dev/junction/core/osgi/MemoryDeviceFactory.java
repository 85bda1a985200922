package dev.junction.core.osgi;

import dev.junction.core.engine.Engine;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.device.memory.TrafficProfile;
import dev.junction.packet.MacAddress;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Map;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.cm.ManagedServiceFactory;

/** Factory PID {@code junction.memdev}: one memory device (generator and/or sink) per configuration. */
final class MemoryDeviceFactory implements ManagedServiceFactory {
    private final Engine engine;
    private final Map<String, MemoryDevice> byPid = new HashMap<>();

    MemoryDeviceFactory(Engine engine) {
        this.engine = engine;
    }

    @Override
    public String getName() {
        return "Junction memory devices";
    }

    @Override
    public synchronized void updated(String pid, Dictionary<String, ?> p) throws ConfigurationException {
        String name = string(p, "name", null);
        if (name == null) {
            throw new ConfigurationException("name", "a memory device needs a name");
        }
        MemoryDevice device;
        try {
            TrafficProfile d = TrafficProfile.defaults();
            long mac = p.get("mac") != null ? MacAddress.parse(p.get("mac").toString()) : defaultMac(name);
            TrafficProfile profile = null;
            if (Boolean.parseBoolean(string(p, "generate", "false"))) {
                profile = new TrafficProfile(integer(p, "frame-size", d.frameSize()), integer(p, "flows", d.flows()),
                        number(p, "rate", d.ratePps()), number(p, "count", d.count()), mac,
                        p.get("dst-mac") != null ? MacAddress.parse(p.get("dst-mac").toString()) : d.dstMac(),
                        d.srcIp(), d.dstIp());
            }
            device = new MemoryDevice(name, mac, profile, Boolean.parseBoolean(string(p, "verify", "false")));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(null, "memdev " + name + ": " + e.getMessage());
        }
        deleted(pid);
        try {
            engine.addDevice(device);
        } catch (IllegalArgumentException e) {
            device.close();
            throw new ConfigurationException("name", e.getMessage());
        }
        byPid.put(pid, device);
    }

    @Override
    public synchronized void deleted(String pid) {
        MemoryDevice old = byPid.remove(pid);
        if (old != null) {
            engine.removeDevice(old); // returns once no worker touches it
            old.close();
        }
    }

    synchronized void closeAll() {
        for (String pid : Map.copyOf(byPid).keySet()) {
            deleted(pid);
        }
    }

    /** A locally administered MAC (02:4a:...) derived from the name, so that it is the same at every start. */
    static long defaultMac(String name) {
        return 0x02_4A_00_00_00_00L | (name.hashCode() & 0xFFFF_FFFFL);
    }

    static String string(Dictionary<String, ?> p, String key, String def) {
        Object v = p.get(key);
        return v == null ? def : v.toString();
    }

    static int integer(Dictionary<String, ?> p, String key, int def) {
        Object v = p.get(key);
        return v == null ? def : Integer.parseInt(v.toString());
    }

    static long number(Dictionary<String, ?> p, String key, long def) {
        Object v = p.get(key);
        return v == null ? def : Long.parseLong(v.toString());
    }
}

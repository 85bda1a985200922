package dev.junction.core.config;

import dev.junction.config.StatementType;
import dev.junction.core.engine.EngineConfig;
import dev.junction.core.engine.IdleStrategy;
import dev.junction.device.memory.TrafficProfile;
import dev.junction.packet.MacAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The statements a configuration file may hold, their keys and how each value is checked. Each kind
 * maps to a ConfigAdmin PID: a singleton ({@code dataplane}) or a factory whose configurations are
 * named by the statement's name ({@code memdev mem0 ...}).
 */
final class ConfigSchema {
    static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,46}");

    enum Type {
        BOOL, INT, LONG, CPUS, IDLE, QUARANTINE, MAC, STATE
    }

    record Key(String name, Type type, String help) {
    }

    /** A built-in statement: its keys are typed, and checked by {@link #value}. */
    record Kind(String kind, boolean named, String pid, List<Key> keyList, String usage, int order)
            implements StatementType {
        Key key(String name) {
            for (Key k : keyList) {
                if (k.name.equals(name)) {
                    return k;
                }
            }
            return null;
        }

        @Override
        public Map<String, String> keys() {
            Map<String, String> m = new LinkedHashMap<>();
            keyList.forEach(k -> m.put(k.name, k.help));
            return m;
        }

        @Override
        public Map<String, Object> check(String name, Map<String, String> words) {
            Map<String, Object> typed = new LinkedHashMap<>();
            words.forEach((k, v) -> typed.put(k, value(key(k), v)));
            switch (kind) {
                case "memdev" -> checkMemdev(typed);
                case "dataplane" -> checkDataplane(typed);
                default -> {
                }
            }
            return typed;
        }

        @Override
        public int order(Map<String, Object> settings) {
            return kind.equals("memdev") && Boolean.TRUE.equals(settings.get("generate")) ? 20 : order;
        }
    }

    /** The statements of the core itself; bundles add theirs as {@link StatementType} services. */
    static final Map<String, Kind> KINDS = new LinkedHashMap<>();

    static {
        add(new Kind("dataplane", false, "junction.dataplane", List.of(
                new Key("cpus", Type.CPUS, "CPU list of the workers, e.g. 1 or 0-3, or auto"),
                new Key("idle", Type.IDLE, "spin, backoff or park"),
                new Key("buffers", Type.INT, "packet buffers per worker (1024..4194304)"),
                new Key("quarantine", Type.QUARANTINE, "bypass or drop: what a faulted feature's arc does")),
                "dataplane [cpus=auto|LIST] [idle=spin|backoff|park] [buffers=N] [quarantine=bypass|drop]", 0));
        add(new Kind("memdev", true, "junction.memdev", List.of(
                new Key("generate", Type.BOOL, "true: the receive side generates traffic"),
                new Key("rate", Type.LONG, "frames per second, 0 = as fast as polled"),
                new Key("count", Type.LONG, "frames to generate, 0 = forever"),
                new Key("frame-size", Type.INT, "bytes per frame, 60..1514"),
                new Key("flows", Type.INT, "distinct UDP flows, 1..65536"),
                new Key("mac", Type.MAC, "the device's MAC address"),
                new Key("dst-mac", Type.MAC, "destination MAC of generated frames"),
                new Key("verify", Type.BOOL, "true: the sink checks every frame it receives")),
                "memdev NAME [generate=true|false] [rate=PPS] [count=N] [frame-size=N] [flows=N] [mac=MAC] [dst-mac=MAC] [verify=true|false]", 10));
        add(new Kind("interface", true, "junction.interface", List.of(
                new Key("state", Type.STATE, "up or down")),
                "interface NAME [state=up|down]", 0));
    }

    private static void add(Kind k) {
        KINDS.put(k.kind, k);
    }

    private ConfigSchema() {
    }

    /** The typed value of {@code text} for key {@code k}; throws IllegalArgumentException saying what is allowed. */
    static Object value(Key k, String text) {
        return switch (k.type) {
            case BOOL -> {
                if (!text.equals("true") && !text.equals("false")) {
                    throw new IllegalArgumentException(k.name + " must be true or false, not '" + text + "'");
                }
                yield Boolean.valueOf(text);
            }
            case INT -> (int) number(k, text, Integer.MAX_VALUE);
            case LONG -> number(k, text, Long.MAX_VALUE);
            case CPUS -> {
                if (!text.equals("auto")) {
                    EngineConfig.parseCpus(text);
                }
                yield text;
            }
            case IDLE -> IdleStrategy.Mode.parse(text).label();
            case QUARANTINE -> {
                if (!text.equals("bypass") && !text.equals("drop")) {
                    throw new IllegalArgumentException("quarantine must be bypass or drop, not '" + text + "'");
                }
                yield text;
            }
            case MAC -> MacAddress.format(MacAddress.parse(text));
            case STATE -> {
                if (!text.equals("up") && !text.equals("down")) {
                    throw new IllegalArgumentException("state must be up or down, not '" + text + "'");
                }
                yield text;
            }
        };
    }

    private static long number(Key k, String text, long max) {
        try {
            long v = Long.parseLong(text.replace("_", ""));
            if (v < 0 || v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(k.name + " must be a whole number from 0 to " + max + ", not '" + text + "'");
        }
    }

    /** Checks the settings of one memdev together (ranges that depend on each other). */
    static void checkMemdev(Map<String, Object> s) {
        TrafficProfile d = TrafficProfile.defaults();
        new TrafficProfile((Integer) s.getOrDefault("frame-size", d.frameSize()),
                (Integer) s.getOrDefault("flows", d.flows()), (Long) s.getOrDefault("rate", d.ratePps()),
                (Long) s.getOrDefault("count", d.count()), d.srcMac(), d.dstMac(), d.srcIp(), d.dstIp());
    }

    static void checkDataplane(Map<String, Object> s) {
        Object b = s.get("buffers");
        if (b != null && ((Integer) b < 1024 || (Integer) b > (1 << 22))) {
            throw new IllegalArgumentException("buffers must be 1024.." + (1 << 22) + ", not " + b);
        }
    }
}

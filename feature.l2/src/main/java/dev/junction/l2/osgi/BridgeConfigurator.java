package dev.junction.l2.osgi;

import dev.junction.l2.BridgeSettings;
import dev.junction.l2.BridgeStatus;
import dev.junction.l2.Bridges;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.cm.ManagedServiceFactory;

/**
 * The stored {@code bridge}, {@code bridge-port}, {@code bridge-vlan} and {@code bridge-mac} statements applied to
 * {@link Bridges}. ConfigAdmin hands the three kinds over in any order, so each change re-applies
 * the whole desired state: domains first, then the ports of domains that exist, then static MACs on
 * ports that exist; what waits for a domain or port is applied when that comes. Control path.
 */
final class BridgeConfigurator {
    private static final System.Logger LOG = System.getLogger("dev.junction.l2");
    private final Bridges bridges;
    private final Map<String, BridgeSettings> domains = new HashMap<>(); // by pid
    private final Map<String, String[]> ports = new HashMap<>(); // pid -> iface, bridge, shg
    private final Map<String, String[]> macs = new HashMap<>(); // pid -> mac, bridge, iface
    private final Map<String, String[]> vlans = new HashMap<>(); // pid -> sub-port name, bridge, shg
    private final Map<String, String> appliedVlans = new HashMap<>(); // sub-port name -> "bridge shg"
    private final Map<String, String[]> bviStatements = new HashMap<>(); // pid -> name, bridge, mac
    private final Map<String, String> appliedBvis = new HashMap<>(); // name -> "bridge mac"
    private dev.junction.l2.bvi.BviControl bvis;
    private final Set<String> appliedMacs = new HashSet<>(); // "bridge mac"
    private final Set<String> waitingLogged = new HashSet<>();

    BridgeConfigurator(Bridges bridges) {
        this.bridges = bridges;
    }

    ManagedServiceFactory domainFactory() {
        return factory("Junction bridge domains", (pid, p) -> {
            String name = String.valueOf(p.get("name"));
            try {
                domains.put(pid, BridgeStatement.settings(name, BridgeStatement.SPEC.read(p)));
            } catch (RuntimeException e) {
                throw new ConfigurationException(null, "bridge " + name + ": " + e.getMessage());
            }
        }, domains::remove);
    }

    ManagedServiceFactory portFactory() {
        return factory("Junction bridge ports", (pid, p) -> {
            Map<String, Object> v = BridgePortStatement.SPEC.read(p);
            Object bridge = v.get("bridge");
            if (p.get("name") == null || bridge == null) {
                throw new ConfigurationException("bridge", "a bridge-port needs name and bridge");
            }
            ports.put(pid, new String[] {String.valueOf(p.get("name")), bridge.toString(),
                    String.valueOf(((Number) v.get("split-horizon")).intValue())});
        }, ports::remove);
    }

    ManagedServiceFactory vlanFactory() {
        return factory("Junction bridge VLANs", (pid, p) -> {
            Map<String, Object> v = BridgeVlanStatement.SPEC.read(p);
            Object bridge = v.get("bridge");
            if (p.get("name") == null || bridge == null) {
                throw new ConfigurationException("bridge", "a bridge-vlan needs name (IFACE.VLAN) and bridge");
            }
            try {
                BridgeVlanStatement.subPort(String.valueOf(p.get("name")));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("name", e.getMessage());
            }
            vlans.put(pid, new String[] {String.valueOf(p.get("name")), bridge.toString(),
                    String.valueOf(((Number) v.get("split-horizon")).intValue())});
        }, vlans::remove);
    }

    /** BVIs come with their domain: the configurator makes and removes them with the rest. */
    void bvis(dev.junction.l2.bvi.BviControl control) {
        this.bvis = control;
    }

    ManagedServiceFactory bviFactory() {
        return factory("Junction BVIs", (pid, p) -> {
            Map<String, Object> v = BviStatement.SPEC.read(p);
            Object name = p.get("name");
            if (name == null || v.get("bridge") == null) {
                throw new ConfigurationException("bridge", "a bvi needs name and bridge");
            }
            long mac = v.get("mac") == null ? BviStatement.defaultMac(name.toString())
                    : dev.junction.packet.MacAddress.parse(v.get("mac").toString());
            bviStatements.put(pid, new String[] {name.toString(), v.get("bridge").toString(), Long.toString(mac)});
        }, bviStatements::remove);
    }

    ManagedServiceFactory macFactory() {
        return factory("Junction static MACs", (pid, p) -> {
            Map<String, Object> v = BridgeMacStatement.SPEC.read(p);
            if (p.get("name") == null || v.get("bridge") == null || v.get("interface") == null) {
                throw new ConfigurationException("bridge", "a bridge-mac needs name (the MAC), bridge and interface");
            }
            try {
                BridgeMacStatement.unicast(String.valueOf(p.get("name")));
            } catch (IllegalArgumentException e) {
                throw new ConfigurationException("name", e.getMessage());
            }
            macs.put(pid, new String[] {String.valueOf(p.get("name")), v.get("bridge").toString(), v.get("interface").toString()});
        }, macs::remove);
    }

    private interface Update {
        void apply(String pid, Dictionary<String, ?> p) throws ConfigurationException;
    }

    private ManagedServiceFactory factory(String title, Update update, java.util.function.Consumer<String> delete) {
        return new ManagedServiceFactory() {
            @Override
            public String getName() {
                return title;
            }

            @Override
            public void updated(String pid, Dictionary<String, ?> p) throws ConfigurationException {
                synchronized (BridgeConfigurator.this) {
                    update.apply(pid, p);
                    apply();
                }
            }

            @Override
            public void deleted(String pid) {
                synchronized (BridgeConfigurator.this) {
                    delete.accept(pid);
                    apply();
                }
            }
        };
    }

    /** Brings {@link Bridges} to what the statements say. */
    synchronized void apply() {
        Map<String, BridgeSettings> wanted = new LinkedHashMap<>();
        domains.values().forEach(s -> wanted.put(s.name(), s));
        Map<String, BridgeStatus> now = new HashMap<>();
        for (BridgeStatus s : bridges.domains()) {
            now.put(s.settings().name(), s);
        }
        for (String name : now.keySet()) {
            if (!wanted.containsKey(name)) {
                bridges.removeDomain(name);
            }
        }
        for (BridgeSettings s : wanted.values()) {
            BridgeStatus current = now.get(s.name());
            if (current == null || !current.settings().equals(s)) {
                bridges.domain(s);
            }
        }
        // Ports: by interface; one that moved or went is taken out first.
        Map<String, String[]> wantedPorts = new LinkedHashMap<>();
        for (String[] p : ports.values()) {
            if (wanted.containsKey(p[1])) {
                wantedPorts.put(p[0], p);
            } else if (waitingLogged.add("port " + p[0] + " " + p[1])) {
                LOG.log(System.Logger.Level.INFO, "bridge-port " + p[0] + ": bridge " + p[1] + " does not exist yet; waiting for it");
            }
        }
        Map<String, String> portNow = new HashMap<>();
        for (BridgeStatus s : bridges.domains()) {
            s.ports().forEach((iface, shg) -> portNow.put(iface, s.settings().name() + " " + shg));
        }
        for (String iface : portNow.keySet()) {
            if (!wantedPorts.containsKey(iface) && !appliedVlans.containsKey(iface)) {
                bridges.removePort(iface);
            }
        }
        for (String[] p : wantedPorts.values()) {
            if (!Objects.equals(portNow.get(p[0]), p[1] + " " + p[2])) {
                bridges.port(p[0], p[1], Integer.parseInt(p[2]));
            }
        }
        // VLAN sub-ports: the same, by sub-port name.
        Map<String, String[]> wantedVlans = new LinkedHashMap<>();
        for (String[] v : vlans.values()) {
            if (wanted.containsKey(v[1])) {
                wantedVlans.put(v[0], v);
            } else if (waitingLogged.add("vlan " + v[0] + " " + v[1])) {
                LOG.log(System.Logger.Level.INFO, "bridge-vlan " + v[0] + ": bridge " + v[1] + " does not exist yet; waiting for it");
            }
        }
        for (String name : new ArrayList<>(appliedVlans.keySet())) {
            if (!wantedVlans.containsKey(name) || !Objects.equals(portNow.get(name), appliedVlans.get(name))) {
                BridgeVlanStatement.SubPort sp = BridgeVlanStatement.subPort(name);
                bridges.removeVlan(sp.iface(), sp.vlan(), sp.serviceTag());
                appliedVlans.remove(name);
            }
        }
        for (String[] v : wantedVlans.values()) {
            String state = v[1] + " " + v[2];
            if (!state.equals(appliedVlans.get(v[0]))) {
                BridgeVlanStatement.SubPort sp = BridgeVlanStatement.subPort(v[0]);
                bridges.vlan(sp.iface(), sp.vlan(), sp.serviceTag(), v[1], Integer.parseInt(v[2]));
                appliedVlans.put(v[0], state);
            }
        }
        // BVIs: made once their domain exists (their port is an ordinary bridge port).
        if (bvis != null) {
            Map<String, String[]> wantedBvis = new LinkedHashMap<>();
            for (String[] b : bviStatements.values()) {
                if (wanted.containsKey(b[1])) {
                    wantedBvis.put(b[0], b);
                } else if (waitingLogged.add("bvi " + b[0] + " " + b[1])) {
                    LOG.log(System.Logger.Level.INFO, "bvi " + b[0] + ": bridge " + b[1] + " does not exist yet; waiting for it");
                }
            }
            for (String name : new ArrayList<>(appliedBvis.keySet())) {
                if (!wantedBvis.containsKey(name)) {
                    bvis.remove(name);
                    appliedBvis.remove(name);
                }
            }
            for (String[] b : wantedBvis.values()) {
                String state = b[1] + " " + b[2];
                if (!state.equals(appliedBvis.get(b[0]))) {
                    bvis.bvi(b[0], b[1], Long.parseLong(b[2]));
                    appliedBvis.put(b[0], state);
                }
            }
        }
        Set<String> wantedMacs = new HashSet<>();
        for (String[] m : macs.values()) {
            String key = m[1] + " " + m[0];
            String[] port = wantedPorts.containsKey(m[2]) ? wantedPorts.get(m[2]) : wantedVlans.get(m[2]);
            if (port == null || !port[1].equals(m[1])) {
                if (waitingLogged.add("mac " + key)) {
                    LOG.log(System.Logger.Level.INFO, "bridge-mac " + m[0] + ": " + m[2] + " is not a port of bridge " + m[1] + " yet; waiting");
                }
                continue;
            }
            wantedMacs.add(key);
            bridges.staticMac(m[1], BridgeMacStatement.unicast(m[0]), m[2]);
        }
        for (String key : appliedMacs) {
            if (!wantedMacs.contains(key)) {
                String[] k = key.split(" ");
                bridges.removeStaticMac(k[0], BridgeMacStatement.unicast(k[1]));
            }
        }
        appliedMacs.clear();
        appliedMacs.addAll(wantedMacs);
        if (bvis != null) {
            bvis.refreshMtus(); // ports came or went: a BVI follows the smallest
        }
    }
}

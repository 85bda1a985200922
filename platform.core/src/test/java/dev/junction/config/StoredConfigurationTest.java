package dev.junction.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.cm.ConfigurationException;
import org.osgi.service.cm.ManagedServiceFactory;
import org.junit.jupiter.api.Test;

/**
 * Stored statements applied before a bundle's nodes join: every configuration of the factory PID
 * reaches the factory, a refused one does not stop the rest, and a ConfigAdmin that fails or holds
 * nothing changes nothing; a singleton's properties, or null.
 */
class StoredConfigurationTest {

    @Test
    void everyStoredConfigurationReachesTheFactoryARefusalStopsNothing() {
        Map<String, Configuration[]> byFilter = Map.of("(service.factoryPid=junction.x)",
                new Configuration[] {configuration("junction.x~a", "a"), configuration("junction.x~bad", "bad"),
                        configuration("junction.x~c", "c")});
        List<String> applied = new ArrayList<>();
        ManagedServiceFactory factory = factory(applied);
        StoredConfiguration.applyAll(admin(byFilter, false), factory, "junction.x", "x statements", null);
        assertEquals(List.of("junction.x~a", "junction.x~c"), applied, "the refused one left out, the others applied in order");

        applied.clear();
        StoredConfiguration.applyAll(admin(Map.of(), false), factory, "junction.x", "x statements", null);
        StoredConfiguration.applyAll(admin(byFilter, true), factory, "junction.x", "x statements",
                System.getLogger("StoredConfigurationTest"));
        assertEquals(List.of(), applied, "none stored, or ConfigAdmin failing: nothing applied, nothing thrown");
    }

    @Test
    void aSingletonsPropertiesOrNull() {
        Configuration one = configuration("junction.fw.settings", "s");
        ConfigurationAdmin cm = admin(Map.of("(service.pid=junction.fw.settings)", new Configuration[] {one}), false);
        assertEquals("s", StoredConfiguration.singleton(cm, "junction.fw.settings").get("name"));
        assertNull(StoredConfiguration.singleton(cm, "junction.lb.settings"));
        assertNull(StoredConfiguration.singleton(admin(Map.of(), true), "junction.fw.settings"));
    }

    private static ManagedServiceFactory factory(List<String> applied) {
        return new ManagedServiceFactory() {
            @Override
            public String getName() {
                return "x";
            }

            @Override
            public void updated(String pid, Dictionary<String, ?> properties) throws ConfigurationException {
                if ("bad".equals(properties.get("name"))) {
                    throw new ConfigurationException("name", "refused");
                }
                applied.add(pid);
            }

            @Override
            public void deleted(String pid) {
            }
        };
    }

    private static Configuration configuration(String pid, String name) {
        Hashtable<String, Object> p = new Hashtable<>(Map.of("name", name));
        return (Configuration) Proxy.newProxyInstance(Configuration.class.getClassLoader(), new Class<?>[] {Configuration.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getPid" -> pid;
                    case "getProperties" -> p;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static ConfigurationAdmin admin(Map<String, Configuration[]> byFilter, boolean failing) {
        return (ConfigurationAdmin) Proxy.newProxyInstance(ConfigurationAdmin.class.getClassLoader(),
                new Class<?>[] {ConfigurationAdmin.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("listConfigurations")) {
                        throw new UnsupportedOperationException(method.getName());
                    }
                    if (failing) {
                        throw new IOException("store unreadable");
                    }
                    return byFilter.get((String) args[0]);
                });
    }
}

package dev.junction.testing;

import static dev.junction.testing.Commands.must;
import static dev.junction.testing.Commands.ns;
import static dev.junction.testing.Commands.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A private Open vSwitch for a test: ovsdb-server (its database and sockets in a temporary folder,
 * none of the system's) and ovs-vswitchd running inside a network namespace, so that its ports and
 * its tunnel routing table are that namespace's. Bridges the test makes use the userspace datapath
 * ({@code datapath_type=netdev}): no kernel module. Closing deletes the bridges, stops both daemons
 * and removes the folder. Needs the tools of tools/packages.list's test group (Packages.require).
 */
public final class OpenVswitch implements AutoCloseable {
    /** The tools a test names to Packages.require before starting one. */
    public static final String[] TOOLS = {"ovs-vsctl", "/usr/lib/openvswitch-switch/ovs-vswitchd", "ovsdb-server",
        "ovsdb-tool", "ovs-appctl"};
    private final Path dir;
    private final List<String> env;

    private OpenVswitch(Path dir) {
        this.dir = dir;
        String d = dir.toString();
        this.env = List.of("env", "OVS_RUNDIR=" + d, "OVS_DBDIR=" + d, "OVS_LOGDIR=" + d);
    }

    /** Starts the database and ovs-vswitchd in {@code namespace} (which must exist). */
    public static OpenVswitch start(String namespace) throws IOException, InterruptedException {
        OpenVswitch o = new OpenVswitch(Files.createTempDirectory("junction-ovs-"));
        String d = o.dir.toString();
        try {
            must(o.command("ovsdb-tool", "create", d + "/conf.db", "/usr/share/openvswitch/vswitch.ovsschema"));
            must(o.command("ovsdb-server", d + "/conf.db", "--remote=punix:" + d + "/db.sock",
                    "--pidfile=" + d + "/ovsdb-server.pid", "--detach", "--log-file=" + d + "/ovsdb-server.log"));
            o.vsctl("--no-wait", "init");
            must(ns(namespace, o.command("/usr/lib/openvswitch-switch/ovs-vswitchd", "unix:" + d + "/db.sock",
                    "--pidfile=" + d + "/ovs-vswitchd.pid", "--detach", "--log-file=" + d + "/ovs-vswitchd.log")));
        } catch (IOException | InterruptedException | AssertionError e) {
            o.close();
            throw e;
        }
        return o;
    }

    /** {@code cmd} with this instance's run, database and log folders in its environment. */
    public String[] command(String... cmd) {
        List<String> c = new ArrayList<>(env);
        c.addAll(List.of(cmd));
        return c.toArray(String[]::new);
    }

    public String vsctl(String... args) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("ovs-vsctl", "--timeout=10"));
        c.addAll(List.of(args));
        return must(command(c.toArray(String[]::new)));
    }

    /** ovs-appctl to ovs-vswitchd (its control socket is in the run folder). */
    public String appctl(String... args) throws IOException, InterruptedException {
        List<String> c = new ArrayList<>(List.of("ovs-appctl", "--timeout=10"));
        c.addAll(List.of(args));
        return must(command(c.toArray(String[]::new)));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (Files.exists(dir.resolve("db.sock"))) {
            Commands.Result bridges = run(10, command("ovs-vsctl", "--timeout=5", "list-br"));
            for (String b : bridges.exit() == 0 ? bridges.out().strip().split("\n") : new String[0]) {
                if (!b.isBlank()) {
                    run(10, command("ovs-vsctl", "--timeout=5", "del-br", b.strip()));
                }
            }
        }
        for (String daemon : new String[] {"ovs-vswitchd", "ovsdb-server"}) {
            Path pid = dir.resolve(daemon + ".pid");
            if (Files.exists(pid)) {
                ProcessHandle.of(Long.parseLong(Files.readString(pid).strip())).ifPresent(ProcessHandle::destroy);
            }
        }
        run(10, "rm", "-rf", dir.toString());
    }
}

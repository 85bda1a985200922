package dev.junction.itests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.lb.LoadBalancer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The lb: commands in the real shell: help, services and backends stored and applied, refusals that say the form. */
class LbShellTest {
    private CommandSession session;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        CommandProcessor processor = Osgi.service(CommandProcessor.class);
        session = processor.createSession(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true),
                new PrintStream(err, true));
    }

    @AfterEach
    void tearDown() throws Exception {
        run("lb:health web9 off");
        run("lb:service-remove web9");
        run("lb:service-remove dns9");
        session.close();
    }

    private String run(String line) throws Exception {
        out.reset();
        err.reset();
        Object result = session.execute(line);
        String printed = out.toString(StandardCharsets.UTF_8);
        return result == null ? printed : printed + session.format(result, 0);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private String services() {
        try {
            return run("lb:services");
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Test
    void servicesAndBackendsFromTheShell() throws Exception {
        for (String c : List.of("lb:services", "lb:service-add", "lb:service-remove", "lb:backend-add", "lb:backend-remove",
                "lb:drain", "lb:connections", "lb:clear", "lb:health")) {
            String help = run(c + " --help");
            assertTrue(help.startsWith(c + " - ") && help.contains("usage: " + c), c + " --help printed: " + help + err());
        }
        run("lb:service-add web9 10.77.0.1 sctp 80");
        assertTrue(err().startsWith("lb:service-add: proto: must be tcp or udp, not 'sctp'"), err());
        run("lb:service-add web9 10.77.0 tcp 80");
        assertTrue(err().contains("'10.77.0' is not an IP address (10.0.0.1 or 2001:db8::1)"), err());
        run("lb:service-add web9 10.77.0.1 tcp 80 table=65536");
        assertTrue(err().contains("table size 65536: a prime"), err());
        run("lb:backend-add web9 10.77.1.2");
        assertTrue(err().startsWith("lb:backend-add: no service web9 (lb:service-add first)"), err());
        assertTrue(run("lb:services").startsWith("no services"), "nothing stored by the refused ones: " + run("lb:services"));
        // What the service says, as lb:services shows it (another test may have left other settings).
        LoadBalancer.TableStatus table = Osgi.service(LoadBalancer.class).tableStatus();
        assertTrue(java.util.regex.Pattern.compile("flow table: " + table.slots() + " slots, \\d+ in use; idle timeouts tcp "
                + table.tcpSeconds() + " s, tcp-closing " + table.tcpClosingSeconds() + " s, udp " + table.udpSeconds()
                + " s \\(lb-settings\\)").matcher(run("lb:services")).find(),
                "the table's size and timeouts shown: " + run("lb:services") + " (the service: " + table + ")");

        run("lb:service-add web9 10.77.0.1 tcp 80 table=251 mode=nat"); // several KEY=VALUE words
        assertTrue(err().isEmpty(), err());
        run("lb:service-add dns9 2001:db8:77::1 udp all");
        assertTrue(err().isEmpty(), err());
        Osgi.await(() -> services().contains("service web9: 10.77.0.1 tcp port 80, vrf default, nat, table 251"),
                Duration.ofSeconds(10), this::services);
        run("lb:backend-add web9 10.77.1.2 weight=3");
        assertTrue(err().isEmpty(), err());
        run("lb:backend-add web9 10.77.1.3 port=8080 weight=1");
        assertTrue(err().isEmpty(), err());
        run("lb:backend-add web9 2001:db8::2");
        assertTrue(err().contains("is not of the family of VIP 10.77.0.1"), err());
        run("lb:backend-add web9 10.77.1.4 weight=many");
        assertTrue(err().startsWith("lb:backend-add: weight: must be a whole number"), err());
        Osgi.await(() -> services().lines().anyMatch(l -> l.matches("10\\.77\\.1\\.2 +3 +active +- +7[0-9]\\.[0-9]% +0 +[0-9]+"))
                && services().lines().anyMatch(l -> l.matches("10\\.77\\.1\\.3:8080 +1 +active +- +2[0-9]\\.[0-9]% +0 +[0-9]+")),
                Duration.ofSeconds(10), this::services);
        run("lb:drain web9 10.77.1.2");
        assertTrue(err().isEmpty(), err());
        Osgi.await(() -> services().lines().anyMatch(l -> l.matches("10\\.77\\.1\\.2 +3 +drained +- +0\\.0% +0 +[0-9]+")),
                Duration.ofSeconds(10), this::services);
        healthFromTheShell();
        run("lb:drain web9 10.77.1.9");
        assertTrue(err().startsWith("lb:drain: service web9 has no backend 10.77.1.9 (see lb:services)"), err());
        run("lb:backend-remove web9 10.77.1.3 port=8080");
        assertTrue(err().isEmpty(), err());
        Osgi.await(() -> !services().contains("10.77.1.3"), Duration.ofSeconds(10), this::services);
        assertEquals("no flows", run("lb:connections --service web9").strip());
        assertEquals("0 flows", run("lb:connections --count").strip());
        List<LoadBalancer.ServiceStatus> s = Osgi.service(LoadBalancer.class).services();
        assertEquals(2, s.size(), s.toString());
        run("lb:service-remove web9");
        assertTrue(err().isEmpty(), err());
        Osgi.await(() -> !services().contains("web9"), Duration.ofSeconds(10), this::services);
        run("lb:service-remove web9");
        assertTrue(err().startsWith("lb:service-remove: no service web9 (see lb:services)"), err());
    }

    /** lb:health: refusals, settings stored and applied, states shown, off. Nothing answers 10.77.1.x: its probes fail. */
    private void healthFromTheShell() throws Exception {
        assertTrue(run("lb:health").startsWith("no health checks"), run("lb:health"));
        run("lb:health web9 interval=20");
        assertTrue(err().startsWith("lb:health: interval: must be"), err());
        run("lb:health web9 interval=100 timeout=200");
        assertTrue(err().contains("timeout 200 ms: 10 up to the interval (100 ms)"), err());
        run("lb:health web9 often=1");
        assertTrue(err().contains("'often=1' is not one of probe=, path=, interval="), err());
        assertTrue(run("lb:health").startsWith("no health checks"), "nothing stored by the refused ones");
        run("lb:health web9 interval=100 fall=1 rise=1");
        assertTrue(err().isEmpty(), err());
        Osgi.await(() -> health().contains("service web9: tcp probe every 100 ms, timeout 100 ms, fall 1, rise 1")
                && health().lines().anyMatch(l -> l.matches("10\\.77\\.1\\.3:8080 +down +(no source address|timeout|rst) +[0-9]+ +0 +.*")),
                Duration.ofSeconds(10), this::health);
        Osgi.await(() -> services().lines().anyMatch(l -> l.matches("10\\.77\\.1\\.3:8080 +1 +active +down +0\\.0% +0 +[0-9]+")),
                Duration.ofSeconds(10), this::services);
        run("lb:health web9 off");
        assertTrue(err().isEmpty(), err());
        Osgi.await(() -> health().startsWith("no health checks")
                && services().lines().anyMatch(l -> l.matches("10\\.77\\.1\\.3:8080 +1 +active +- +100\\.0% +0 +[0-9]+")),
                Duration.ofSeconds(10), () -> health() + "\n" + services());
        run("lb:health web9 off");
        assertTrue(err().contains("service web9 has no health checks"), err());
    }

    private String health() {
        try {
            return run("lb:health");
        } catch (Exception e) {
            return e.toString();
        }
    }
}

package dev.junction.itests;

import dev.junction.config.JunctionConfig;
import dev.junction.dataplane.Dataplane;
import dev.junction.dataplane.DropCount;
import dev.junction.dataplane.InterfaceStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A generator cross-connected to a verifying sink, set up through the configuration service. */
final class Traffic {
    final Dataplane dataplane;
    final JunctionConfig config;

    Traffic() throws InterruptedException {
        dataplane = Osgi.service(Dataplane.class);
        config = Osgi.service(JunctionConfig.class);
    }

    /** Loads a configuration with a generator {@code gen} cross-connected to {@code sink}, and waits for both. */
    void start(String gen, String sink, long rate, long count) throws Exception {
        String text = String.join("\n",
                "dataplane cpus=auto idle=backoff",
                "memdev " + gen + " generate=true rate=" + rate + " count=" + count,
                "memdev " + sink + " verify=true",
                "cross-connect " + gen + " peer=" + sink,
                "interface " + gen + " state=down",
                "");
        Path f = Files.createTempFile("junction-itest", ".conf");
        Files.writeString(f, text);
        Osgi.load(config, f);
        Files.delete(f);
        Osgi.await(() -> find(gen) != null && find(sink) != null, Duration.ofSeconds(10), gen + " and " + sink);
        dataplane.clearRuntime();
        dataplane.setInterfaceUp(gen, true); // generation starts now, with counters at zero
    }

    /** Stops the generator (interface down) and removes both devices. */
    void stop() throws Exception {
        Path f = Files.createTempFile("junction-itest", ".conf");
        Files.writeString(f, "dataplane cpus=auto idle=backoff\n");
        Osgi.load(config, f);
        Files.delete(f);
    }

    /** Stops the generator and waits until every frame it made is delivered or counted as dropped. */
    void drain(String gen, String sink) throws InterruptedException {
        dataplane.setInterfaceUp(gen, false);
        Osgi.await(() -> generated(gen) == delivered(sink) + dropped(), Duration.ofSeconds(10),
                () -> "every frame accounted for: generated " + generated(gen) + ", delivered " + delivered(sink)
                        + ", dropped " + dropped() + " " + dataplane.drops());
    }

    InterfaceStatus find(String name) {
        for (InterfaceStatus s : dataplane.interfaces()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

    long generated(String gen) {
        return find(gen).counters().rxPackets();
    }

    long delivered(String sink) {
        return find(sink).counters().txPackets();
    }

    long verifyFailures(String sink) {
        return find(sink).counters().txErrors();
    }

    long dropped() {
        long n = 0;
        for (DropCount d : dataplane.drops()) {
            n += d.count();
        }
        return n;
    }
}

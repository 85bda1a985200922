package dev.junction.bench;

import dev.junction.core.engine.Engine;
import dev.junction.core.engine.EngineConfig;
import dev.junction.core.engine.IdleStrategy;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.device.memory.TrafficProfile;
import dev.junction.drivers.vhost.VhostUserDevice;
import dev.junction.l2.xconnect.XconnectControl;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Junction as the vhost-user backend of a frontend that bench/run-vhost.sh starts (dpdk-testpmd's
 * virtio-user port): one pinned, spinning worker. {@code --mode sink}: frames from the guest go to a
 * memory sink (Junction receives); {@code --mode generator}: a memory generator sends 64-byte frames
 * to the guest (Junction transmits). Prints the rate it saw each second once the frontend is there.
 * Usage: {@code VhostBench --socket PATH --mode sink|generator [--cpu N] [--seconds S]}.
 */
public final class VhostBench {
    private VhostBench() {
    }

    public static void main(String[] args) throws Exception {
        String socket = null;
        String mode = "sink";
        int cpu = 0;
        int seconds = 10;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--socket" -> socket = args[i + 1];
                case "--mode" -> mode = args[i + 1];
                case "--cpu" -> cpu = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (socket == null || !(mode.equals("sink") || mode.equals("generator"))) {
            System.err.println("usage: VhostBench --socket PATH --mode sink|generator [--cpu N] [--seconds S]");
            System.exit(2);
        }
        boolean sink = mode.equals("sink");
        try (Engine engine = new Engine(EngineConfig.defaults().withCpus(List.of(cpu)).withIdle(IdleStrategy.Mode.SPIN));
                VhostUserDevice vhost = new VhostUserDevice("vhost0", Path.of(socket), VhostUserDevice.Mode.SERVER);
                MemoryDevice mem = new MemoryDevice(sink ? "sink0" : "gen0", 0x02_00_00_00_cc_01L,
                        sink ? null : TrafficProfile.defaults(), false)) {
            engine.addDevice(vhost);
            engine.start();
            System.out.println("listening on " + socket);
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!vhost.linkUp() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            engine.addDevice(mem);
            new XconnectControl(s -> engine.register(s, "bench"), engine::unregister).connect(sink ? "vhost0" : "gen0", sink ? "sink0" : "vhost0");
            long last = sink ? vhost.counters().rxPackets() : vhost.counters().txPackets();
            long t0 = System.nanoTime();
            for (int s = 0; s < seconds && vhost.linkUp(); s++) {
                Thread.sleep(1000);
                long now = sink ? vhost.counters().rxPackets() : vhost.counters().txPackets();
                long t = System.nanoTime();
                System.out.printf(Locale.ROOT, "junction %s pps=%.0f%n", sink ? "rx" : "tx", (now - last) * 1e9 / (t - t0));
                last = now;
                t0 = t;
            }
            System.out.println("junction counters " + vhost.counters() + " rings " + vhost.rings()
                    + " violations " + vhost.violations() + " protocol-errors " + vhost.protocolErrors());
        }
    }
}

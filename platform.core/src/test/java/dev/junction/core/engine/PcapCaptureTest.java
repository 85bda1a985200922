package dev.junction.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.junction.dataplane.CaptureDirection;
import dev.junction.dataplane.CaptureStatus;
import dev.junction.device.memory.MemoryDevice;
import dev.junction.device.memory.TrafficProfile;
import dev.junction.testing.Packages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A capture written by Junction is read back by tshark with the frames that crossed the interface. */
class PcapCaptureTest {

    @Test
    void tsharkReadsTheCapturedFrames(@TempDir Path dir) throws Exception {
        // Installed as root; in CI a tshark that cannot be had is a failure.
        Packages.require("PcapCaptureTest", "tshark");
        Path file = dir.resolve("mem1.pcap");
        try (MemoryDevice gen = new MemoryDevice("mem0", 1, TrafficProfile.defaults().withCount(100).withFrameSize(128), false);
                MemoryDevice sink = new MemoryDevice("mem1", 2, null, false);
                Engine engine = new Engine(EngineConfig.defaults().withCpus(List.of(-1)))) {
            engine.addDevice(gen);
            engine.addDevice(sink);
            TestXconnect.connect(engine, "mem0", "mem1");
            engine.setInterfaceUp("mem0", false);
            engine.start();
            engine.startCapture("mem1", file, CaptureDirection.TX, 40);
            engine.setInterfaceUp("mem0", true);
            EngineTest.await(() -> sink.delivered() == 100, Duration.ofSeconds(10), "100 frames delivered");
            EngineTest.await(() -> engine.captures().stream().noneMatch(CaptureStatus::active), Duration.ofSeconds(10),
                    "the capture to stop at its limit");
            CaptureStatus done = engine.stopCapture("mem1");
            assertEquals(40, done.written());
            assertEquals(0, done.dropped());
        }
        List<String> lines = tshark(file, "-T", "fields", "-e", "frame.len", "-e", "ip.src", "-e", "ip.dst", "-e",
                "udp.srcport", "-e", "udp.dstport");
        assertEquals(40, lines.size(), String.join("\n", lines));
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).split("\t");
            assertEquals(5, f.length, lines.get(i));
            assertEquals("128", f[0]);
            assertEquals("10.0.0.1", f[1]);
            assertEquals("10.0.1.1", f[2]);
            assertEquals(Integer.toString(1024 + i % 16), f[3], "flows take turns");
            assertEquals("9", f[4]);
        }
    }

    static List<String> tshark(Path file, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/tshark", "-n", "-r", file.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "tshark finished");
        assertEquals(0, p.exitValue(), "tshark: " + err);
        return out.isBlank() ? List.of() : List.of(out.strip().split("\n"));
    }
}

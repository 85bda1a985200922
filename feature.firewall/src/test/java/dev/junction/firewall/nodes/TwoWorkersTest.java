package dev.junction.firewall.nodes;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.junction.firewall.Direction;
import dev.junction.firewall.Firewall;
import dev.junction.firewall.Rule;
import dev.junction.firewall.conntrack.ConnTable;
import dev.junction.firewall.control.FirewallControl;
import dev.junction.packet.PacketVector;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Two workers, one per direction, at the same time: worker 0 receives the inside's packets, worker 1
 * the replies. Each reply is sent again until the connection it answers is in the table; every one
 * must then pass, and each connection must be one entry, answered.
 */
class TwoWorkersTest {
    @Test
    void bothDirectionsMeetOneEntryWhicheverWorkerReceivesThem() throws Exception {
        long now = 1_000_000_000L;
        FirewallControl fw = new FirewallControl(new ConnTable(1 << 14), (n, i, on) -> { }, () -> now);
        fw.ruleSet("inside", List.of(Rule.parse("priority=1 action=permit+track src=10.1.0.0/16")));
        fw.ruleSet("outside", List.of());
        fw.attach("j0", Direction.INPUT, "inside");
        fw.attach("j1", Direction.INPUT, "outside");
        FirewallNode node = FirewallNode.ip4Input(fw);
        node.workers(2);
        int flows = 2_000;
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread inside = new Thread(() -> run(failed, node, 0, flows, true));
        Thread outside = new Thread(() -> run(failed, node, 1, flows, false));
        inside.start();
        outside.start();
        inside.join();
        outside.join();
        if (failed.get() != null) {
            throw new AssertionError(failed.get());
        }
        List<Firewall.Session> s = fw.sessions(10 * flows);
        assertEquals(flows, s.size());
        assertEquals(flows, s.stream().filter(x -> x.state().equals("REPLIED")).count());
    }

    private static void run(AtomicReference<Throwable> failed, FirewallNode node, int worker, int flows, boolean inside) {
        try {
            TestContext ctx = new TestContext(300);
            ctx.worker = worker;
            ctx.workerCount = 2;
            Frames frames = new Frames(ctx.pool);
            PacketVector v = new PacketVector();
            long deadline = System.nanoTime() + 30_000_000_000L;
            for (int i = 0; i < flows; i++) {
                String host = "10.1." + (i >> 8) + "." + (i & 0xff);
                while (true) {
                    v.clear();
                    int b = inside ? frames.udp(0, 0, host, 5000, "10.2.0.2", 53) : frames.udp(1, 0, "10.2.0.2", 53, host, 5000);
                    v.add(b);
                    node.process(v, ctx);
                    int verdict = v.verdict(0);
                    ctx.pool.free(b);
                    if (!PacketVector.isDrop(verdict)) {
                        break;
                    }
                    if (inside || System.nanoTime() > deadline) {
                        throw new AssertionError("flow " + i + " dropped: reason " + PacketVector.dropReason(verdict));
                    }
                    Thread.onSpinWait(); // the inside worker has not opened it yet
                }
            }
        } catch (Throwable e) {
            failed.set(e);
        }
    }
}

package dev.junction.itests;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** feature.mpls's commands through Gogo: bad input refused whole with the form, entries stored and listed. */
class MplsShellTest {
    private CommandSession session;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private Traffic traffic;

    @BeforeEach
    void setUp() throws Exception {
        traffic = new Traffic();
        session = Osgi.service(CommandProcessor.class).createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true), new PrintStream(err, true));
    }

    @AfterEach
    void tearDown() throws Exception {
        run("mpls:label-remove sw");
        run("mpls:ftn-remove f");
        session.close();
        traffic.stop();
    }

    private String run(String line) throws Exception {
        out.reset();
        err.reset();
        Object result = session.execute(line);
        String printed = out.toString(StandardCharsets.UTF_8);
        return result == null ? printed : printed + session.format(result, 0);
    }

    private String run2(String line) {
        try {
            return run(line);
        } catch (Exception e) {
            return e.toString();
        }
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void labelsAndFtnsFromTheShell() throws Exception {
        assertTrue(run("mpls:labels").startsWith("no label table entries"), run("mpls:labels") + err());
        run("mpls:label-add sw label=100 action=swap via=10.0.1.2");
        assertTrue(err().startsWith("mpls:label-add: ") && err().contains("out="), err());
        run("mpls:label-add sw label=7 action=pop-continue");
        assertTrue(err().startsWith("mpls:label-add: label: "), err());
        run("mpls:label-add sw labl=100");
        assertTrue(err().contains("is not KEY=VALUE of mpls-label"), err());
        assertTrue(run("mpls:labels").startsWith("no label table entries"), "nothing stored by the refused ones");
        run("mpls:label-add sw label=100 action=swap via=10.0.1.2,10.0.2.2 out=200,201");
        assertTrue(err().isEmpty(), err());
        Osgi.await(() -> run2("mpls:labels").lines().anyMatch(l -> l.strip().matches(
                "100 +sw +config +swap +200@10\\.0\\.1\\.2\\(unresolved\\) 201@10\\.0\\.2\\.2\\(unresolved\\) +- +uniform +0 +0")),
                Duration.ofSeconds(10), () -> run2("mpls:labels"));
        assertTrue(run("mpls:labels --label 101").startsWith("no label table entries"), "filtered");
        run("mpls:ftn-add f prefix=10.9.0.1/16 via=10.0.1.2 out=16");
        assertTrue(err().contains("host bits"), err());
        run("mpls:ftn-add f prefix=10.9.0.0/16 via=10.0.1.2 out=16/17 tc=5 ttl=pipe");
        Osgi.await(() -> run2("mpls:ftns").contains("10.9.0.0/16"), Duration.ofSeconds(10), () -> run2("mpls:ftns"));
        assertTrue(run("mpls:ftns").lines().anyMatch(l -> l.strip().matches("f +config +default +10\\.9\\.0\\.0/16 +16/17@10\\.0\\.1\\.2\\(unresolved\\) +pipe +5 +0 +0")),
                run("mpls:ftns"));
        run("mpls:label-remove sw");
        Osgi.await(() -> run2("mpls:labels").startsWith("no label table entries"), Duration.ofSeconds(10), () -> run2("mpls:labels"));
        run("mpls:label-remove sw");
        assertTrue(err().contains("no label entry sw"), err());
        String help = run("mpls:label-add --help");
        assertTrue(help.startsWith("mpls:label-add - ") && help.contains("usage: mpls:label-add"), help + err());
    }
}

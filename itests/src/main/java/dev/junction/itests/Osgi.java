package dev.junction.itests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.util.tracker.ServiceTracker;

/** Small helpers for tests that run inside the framework. */
final class Osgi {
    private Osgi() {
    }

    static BundleContext context() {
        return FrameworkUtil.getBundle(Osgi.class).getBundleContext();
    }

    /** The installed bundle of symbolic name {@code bsn}; fails the test when there is none. */
    static org.osgi.framework.Bundle bundle(String bsn) {
        for (org.osgi.framework.Bundle b : context().getBundles()) {
            if (bsn.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError(bsn + " is not installed");
    }

    /**
     * Loads configuration file {@code f}, again while it is refused only for statement kinds not
     * registered yet (up to 10 s): right after the framework starts, or after a bundle's update, a
     * bundle's statements may not be registered yet, and the whole file is refused for them ("unknown
     * statement"). Any other refusal is thrown at once.
     */
    static void load(dev.junction.config.JunctionConfig config, java.nio.file.Path f) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            try {
                config.load(f);
                return;
            } catch (dev.junction.config.ConfigException e) {
                if (!onlyUnknownStatements(e.getMessage()) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    /** Whether every line of a refusal names an unknown statement. */
    private static boolean onlyUnknownStatements(String message) {
        String[] lines = message == null ? new String[0] : message.split("\n");
        boolean any = false;
        for (int i = 1; i < lines.length; i++) { // the first line is the summary
            if (lines[i].isBlank()) {
                continue;
            }
            if (!lines[i].contains(": unknown statement '")) {
                return false;
            }
            any = true;
        }
        return any;
    }

    /** The service, waiting up to 10 s for it to appear. */
    static <T> T service(Class<T> type) throws InterruptedException {
        ServiceTracker<T, T> t = new ServiceTracker<>(context(), type, null);
        t.open();
        T s = t.waitForService(10_000);
        if (s == null) {
            throw new AssertionError("no " + type.getName() + " service within 10 s");
        }
        return s;
    }

    /** Polls {@code cond} every 5 ms until it holds; fails the test with {@code what} after {@code limit}. */
    static void await(BooleanSupplier cond, Duration limit, String what) throws InterruptedException {
        await(cond, limit, () -> what);
    }

    static void await(BooleanSupplier cond, Duration limit, java.util.function.Supplier<String> what)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit + " waiting for " + what.get());
            }
            Thread.sleep(5);
        }
    }

    /** The example plugin's jar, built by its module before this one. */
    static Path exampleBundle() throws IOException {
        Path dir = Path.of(context().getProperty("junction.example.dir"));
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().matches("examples\\.passthrough-.*\\.jar"))
                    .findFirst().orElseThrow(() -> new AssertionError("no example plugin jar in " + dir));
        }
    }

    /**
     * Refreshes the wiring of {@code bundle} (an uninstalled one: drops its revisions) and of what
     * depends on it, and waits for it to finish. Never the whole framework: other tests' updated
     * bundles (feature.l2, feature.routing) export packages this bundle imports, and refreshing them
     * would refresh the test bundle itself under the running tests.
     */
    static void refresh(Bundle bundle) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        context().getBundle(0).adapt(FrameworkWiring.class).refreshBundles(java.util.List.of(bundle), e -> {
            if (e.getType() == FrameworkEvent.PACKAGES_REFRESHED) {
                done.countDown();
            }
        });
        if (!done.await(30, TimeUnit.SECONDS)) {
            throw new AssertionError("framework refresh did not finish in 30 s");
        }
    }

    static Bundle install(Path jar) throws Exception {
        try (var in = Files.newInputStream(jar)) {
            return context().installBundle("junction-itest:" + jar.getFileName() + ":" + System.nanoTime(), in);
        }
    }
}

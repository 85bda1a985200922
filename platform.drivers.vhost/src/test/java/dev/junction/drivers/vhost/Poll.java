package dev.junction.drivers.vhost;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for a condition with a deadline (no sleep-and-hope); fails with a message that says what was seen. */
final class Poll {
    private Poll() {
    }

    static void until(long timeoutMillis, BooleanSupplier condition, Supplier<String> whatWasSeen) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeoutMillis + " ms: " + whatWasSeen.get());
            }
            Thread.sleep(10);
        }
    }
}

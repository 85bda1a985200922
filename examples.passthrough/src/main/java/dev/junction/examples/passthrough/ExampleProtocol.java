package dev.junction.examples.passthrough;

import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The example protocol: frames of ethertype 0x88B5 (IEEE 802's local experimental type) have an arc
 * of their own, {@code example-input}, which ends in {@code example-forward}; {@code example-mark}, a
 * per-interface feature on device-input, turns the frames of one interface into example frames.
 * Together they use every extension point a function bundle has: an arc, an ethertype claim, a
 * feature enabled on one interface only, named counters. Configuration PID
 * {@code junction.example.protocol}.
 */
final class ExampleProtocol {
    static final String PID = "junction.example.protocol";
    static final String ARC = "example-input";
    static final String MARK = "example-mark";
    static final String FORWARD = "example-forward";
    static final int ETHERTYPE = 0x88B5;

    private ExampleProtocol() {
    }

    @ObjectClassDefinition(name = "Junction example protocol")
    @interface Config {
        /** The interface whose frames example-mark turns into example frames ("" for none). */
        String mark() default "";

        /** The interface example-forward sends example frames out of ("" drops them, counted). */
        String out() default "";
    }
}

package dev.junction.examples.passthrough;

import dev.junction.graph.PacketNode;
import java.lang.annotation.Annotation;
import java.util.List;

/** The example bundle's nodes, made as its DS components make them (its configuration type is package-private). */
public final class ExampleNodes {
    public static final String ARC = ExampleProtocol.ARC;
    public static final int ETHERTYPE = ExampleProtocol.ETHERTYPE;

    private ExampleNodes() {
    }

    /** example-mark (marking no interface: it then needs no Dataplane) and example-forward out of {@code out}. */
    public static List<PacketNode> protocol(String out) {
        ExampleProtocol.Config config = new ExampleProtocol.Config() {
            @Override
            public String mark() {
                return "";
            }

            @Override
            public String out() {
                return out;
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return ExampleProtocol.Config.class;
            }
        };
        return List.of(new ExampleMarker(config, null), new ExampleForward(config));
    }

    /** A pass-through feature named {@code name} on {@code arc}. */
    public static PacketNode passThrough(String name, String arc) {
        return new PassThroughFeature(new PassThroughFeature.Config() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String arc() {
                return arc;
            }

            @Override
            public String[] after() {
                return new String[0];
            }

            @Override
            public Class<? extends Annotation> annotationType() {
                return PassThroughFeature.Config.class;
            }
        });
    }
}

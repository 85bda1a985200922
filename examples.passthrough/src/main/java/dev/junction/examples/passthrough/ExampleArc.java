package dev.junction.examples.passthrough;

import dev.junction.graph.ArcDefinition;
import org.osgi.service.component.annotations.Component;

/** The arc {@code example-input}: it exists while this bundle runs, and ends in example-forward. */
@Component(service = ArcDefinition.class)
public final class ExampleArc implements ArcDefinition {
    @Override
    public String name() {
        return ExampleProtocol.ARC;
    }

    @Override
    public String end() {
        return ExampleProtocol.FORWARD;
    }
}

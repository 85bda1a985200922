package dev.junction.examples.passthrough;

import dev.junction.graph.EtherTypeClaim;
import org.osgi.service.component.annotations.Component;

/** Ethertype 0x88B5 goes to the example-input arc while this bundle runs. */
@Component(service = EtherTypeClaim.class)
public final class ExampleEtherTypeClaim implements EtherTypeClaim {
    @Override
    public int etherType() {
        return ExampleProtocol.ETHERTYPE;
    }

    @Override
    public String arc() {
        return ExampleProtocol.ARC;
    }
}

package dev.junction.graph;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Read-only per-interface facts for nodes, by interface index (stable while Junction runs; the index
 * of a removed interface is not reused).
 */
@ProviderType
public interface InterfaceView {
    /** One more than the highest interface index in use. */
    int size();

    /** Whether an interface with this index exists and is administratively up. */
    boolean isUp(int ifIndex);

    String name(int ifIndex);

    long mac(int ifIndex);

    int mtu(int ifIndex);

    /** Index of the interface named, or -1. */
    int indexOf(String name);
}

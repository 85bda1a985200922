package dev.junction.l2;

import java.util.Map;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Layer-2 cross-connects: every frame received on an interface is sent, unchanged, out of its peer.
 * The interface need not exist yet. Registered as a service by feature.l2; what the shell and the
 * {@code cross-connect} statement set is persisted, what is set through this service is not.
 */
@ProviderType
public interface CrossConnects {

    /** Cross-connects {@code from} to {@code to} (one direction); replaces {@code from}'s peer. */
    void connect(String from, String to);

    /** Removes {@code from}'s cross-connect; returns whether it had one. */
    boolean disconnect(String from);

    /** Every cross-connect, from to peer, in the order they were made. */
    Map<String, String> peers();
}

package dev.junction.dataplane;

import java.nio.file.Path;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The running data plane, as the shell and control-plane bundles see it: interfaces, the graph, the
 * workers, counters, trace and capture. Registered as an OSGi service by the core. All methods are
 * control path: safe from any thread, never called by workers.
 */
@ProviderType
public interface Dataplane {

    List<InterfaceStatus> interfaces();

    /** Sets an interface's administrative state; throws IllegalArgumentException for an unknown name. */
    void setInterfaceUp(String name, boolean up);

    /** Nodes of the running graph in dispatch order, with nodes that could not be added. */
    List<NodeStatus> nodes();

    /** Each arc with its features in order, then its end node. */
    List<ArcStatus> arcs();

    /** Per-node runtime counters summed over workers. */
    List<NodeRuntime> runtime();

    /** Drops by node and reason, summed over workers; only non-zero counts. */
    List<DropCount> drops();

    /** Zeroes the node runtime and drop counters. */
    void clearRuntime();

    List<WorkerStatus> workers();

    /** Quarantines a node by name: its arc bypasses it (or drops its packets, by policy). */
    void quarantine(String node);

    /** Returns a quarantined node to the graph. */
    void release(String node);

    /** Traces the next {@code count} received packets through the graph (replacing earlier records). */
    void trace(int count);

    List<TraceEntry> traceEntries();

    /** Starts a pcap capture on an interface; {@code limit} 0 means until stopped. */
    CaptureStatus startCapture(String iface, Path file, CaptureDirection direction, long limit);

    /** Stops the capture on an interface and returns its final state; throws if none runs. */
    CaptureStatus stopCapture(String iface);

    List<CaptureStatus> captures();

    /** Number of the graph snapshot the workers run; increases with every change. */
    long epoch();

    /**
     * Enables or disables a per-interface feature ({@code PacketNode.perInterface()}) on an
     * interface, by names; neither need exist yet, and the setting outlives an update of the
     * feature's bundle. Throws IllegalArgumentException for an empty name.
     */
    void enableFeature(String node, String iface, boolean enabled);

    /**
     * Re-reads node {@code node}'s next nodes and recompiles the graph (workers switch at their next
     * vector, as for any change): a node whose results grow at run time (routing's lookups, when a
     * prefix is steered to another bundle's node) appends to its {@code next()} and calls this.
     * Throws IllegalArgumentException for an unknown node, or when the new list does not start
     * with the old one (indexes already given out must keep their meaning).
     */
    void refreshNext(String node);

    /**
     * Claims a packet metadata word ({@code PacketPool.opaque}) for {@code owner}, a name that
     * outlives an update of the claiming bundle: the same owner gets the same word back. Throws
     * IllegalStateException naming the holders when all {@code PacketPool.OPAQUE_WORDS} are taken.
     */
    int claimOpaqueWord(String owner);

    /** Gives {@code owner}'s word back; returns whether it had one. */
    boolean releaseOpaqueWord(String owner);

    /** The opaque words' holders, by word (null: free). */
    List<String> opaqueWords();

    /** The interfaces a per-interface feature is enabled on, in the order they were enabled. */
    List<String> featureInterfaces(String node);

    /** The named counters of the nodes in the graph now, summed over workers. */
    List<CounterValue> counters();

    /** Ethertype dispatch: every claim (the core's and bundles'), its arc, owner and state. */
    List<EtherTypeStatus> etherTypes();
}

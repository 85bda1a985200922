package dev.junction.dataplane;

/** One step of a traced packet: the node it visited and the verdict it got there, and its length then. */
public record TraceEntry(int packet, int worker, long nanos, String node, String verdict, int length) {
}

package dev.junction.dataplane;

/** Packets a node dropped for one reason. */
public record DropCount(String node, String reason, long count) {
}

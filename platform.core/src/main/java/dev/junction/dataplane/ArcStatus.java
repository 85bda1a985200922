package dev.junction.dataplane;

import java.util.List;

/** An arc: its features in the order packets visit them, then its end node. */
public record ArcStatus(String name, List<String> features, String end) {
}

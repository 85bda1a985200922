package dev.junction.dataplane;

import java.util.List;

/** A node: its arc (null for plain nodes), the bundle that registered it, next nodes and state. */
public record NodeStatus(String name, String arc, String owner, List<String> next, String state, String problem) {
    public static final String ACTIVE = "active";
    public static final String QUARANTINED = "quarantined";
    public static final String REJECTED = "rejected";
}

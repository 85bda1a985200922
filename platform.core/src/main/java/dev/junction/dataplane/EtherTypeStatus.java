package dev.junction.dataplane;

/**
 * One ethertype's dispatch: the arc ethernet-input sends its frames to, who claimed it ("core" for
 * the defaults), and {@link #state()}: {@code active}, {@code conflict} (an earlier claim holds) or
 * {@code no such arc}.
 */
public record EtherTypeStatus(int etherType, String arc, String owner, String state) {
    public static final String ACTIVE = "active";
    public static final String CONFLICT = "conflict";
    public static final String NO_ARC = "no such arc";
}

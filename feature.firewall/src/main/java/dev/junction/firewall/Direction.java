package dev.junction.firewall;

/** Where a rule set is attached: packets received on an interface, or sent out of it. */
public enum Direction {
    /** Received on the interface (ip4-unicast and ip6-unicast arcs, after ip4-input / ip6-input). */
    INPUT("in"),
    /** Sent out of the interface (the output arc). */
    OUTPUT("out");

    private final String text;

    Direction(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    public static Direction parse(String word) {
        return switch (word) {
            case "in", "input" -> INPUT;
            case "out", "output" -> OUTPUT;
            default -> throw new IllegalArgumentException("direction '" + word + "' is not in or out");
        };
    }
}

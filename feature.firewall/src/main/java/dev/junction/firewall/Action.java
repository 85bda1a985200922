package dev.junction.firewall;

/** What a matching rule does with a packet. */
public enum Action {
    /** Let it pass. */
    PERMIT("permit"),
    /** Drop it, counted by rule. */
    DENY("deny"),
    /** Let it pass and track its connection, so that the replies pass too (stateful). */
    PERMIT_TRACK("permit+track");

    private final String text;

    Action(String text) {
        this.text = text;
    }

    /** The word of statements and commands: {@code permit}, {@code deny}, {@code permit+track}. */
    public String text() {
        return text;
    }

    public static Action parse(String word) {
        for (Action a : values()) {
            if (a.text.equals(word)) {
                return a;
            }
        }
        throw new IllegalArgumentException("action '" + word + "' is not one of permit, deny, permit+track");
    }
}

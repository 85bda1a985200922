package dev.junction.routing.internal;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The routes one family's FIB holds, by prefix, and how a change reaches that FIB: adds and
 * replacements first, removals last, so that a prefix whose route changes never falls through to a
 * shorter one meanwhile. The adjacencies an entry names are published before (see AdjacencyIds).
 */
final class InstalledRoutes<K, E> {
    private final Map<K, E> entries = new HashMap<>();
    private final Function<E, ?> adjacency;
    private final BiConsumer<K, E> add;
    private final BiConsumer<K, E> remove;

    /**
     * {@code adjacency}: what an entry leads to (an entry whose adjacency is unchanged is not written
     * again); {@code add} puts an entry in the family's FIB, new or replacing, and {@code remove}
     * takes one out.
     */
    InstalledRoutes(Function<E, ?> adjacency, BiConsumer<K, E> add, BiConsumer<K, E> remove) {
        this.adjacency = adjacency;
        this.add = add;
        this.remove = remove;
    }

    /** The installed entries (read only). */
    Map<K, E> entries() {
        return Collections.unmodifiableMap(entries);
    }

    E get(K key) {
        return entries.get(key);
    }

    /** Makes the FIB hold {@code want} and nothing else; returns whether the FIB changed. */
    boolean replaceAll(Map<K, E> want) {
        boolean changed = false;
        for (Map.Entry<K, E> e : want.entrySet()) {
            if (!same(entries.get(e.getKey()), e.getValue())) {
                add.accept(e.getKey(), e.getValue());
                changed = true;
            }
        }
        for (Map.Entry<K, E> e : entries.entrySet()) {
            if (!want.containsKey(e.getKey())) {
                remove.accept(e.getKey(), e.getValue());
                changed = true;
            }
        }
        loaded(want);
        return changed;
    }

    /** One prefix changed: {@code entry} is its new route, null for none. */
    void put(K key, E entry) {
        E cur = entries.get(key);
        if (entry == null) {
            if (cur != null) {
                remove.accept(key, cur);
                entries.remove(key);
            }
            return;
        }
        if (!same(cur, entry)) {
            add.accept(key, entry);
        }
        entries.put(key, entry);
    }

    /** A table load built a new FIB from {@code want} and published it: these are the entries now. */
    void loaded(Map<K, E> want) {
        entries.clear();
        entries.putAll(want);
    }

    private boolean same(E old, E entry) {
        return old != null && adjacency.apply(old).equals(adjacency.apply(entry));
    }
}

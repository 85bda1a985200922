package dev.junction.routing.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * The adjacencies one family's FIB entries lead to, each with an id: its index in the arrays the
 * workers read. An id, once given, is kept. A FIB entry names an id and a worker may look it up at
 * any time, so the arrays are published before an entry names a new id, and an ECMP group's paths
 * get their ids before the group. Id 0 is the family's default, which no route is given.
 */
final class AdjacencyIds<A extends AdjacencyIds.Adjacency<A>> {
    /** One path, or an ECMP group over its paths (a single path has none). */
    interface Adjacency<A> {
        List<A> paths();
    }

    /** Builds the family's adjacency arrays and publishes them with one write. */
    interface Publisher<A> {
        /**
         * {@code byId}: every adjacency, at its id (read it during the call only); {@code members}: the
         * path ids of every group, a group's from {@code firstMember[its id]} on.
         */
        void publish(List<A> byId, int[] firstMember, int[] members);
    }

    private final Map<A, Integer> ids = new HashMap<>();
    private final List<A> byId = new ArrayList<>();
    /** How many adjacencies the workers' arrays hold now. */
    private final IntSupplier published;
    private final Publisher<A> publisher;

    AdjacencyIds(A idZero, IntSupplier published, Publisher<A> publisher) {
        byId.add(idZero);
        this.published = published;
        this.publisher = publisher;
    }

    /** The id of an adjacency that {@link #register} has seen. */
    int id(A adjacency) {
        return ids.get(adjacency);
    }

    /** Gives the entries' adjacencies ids and publishes the arrays when there are new ones. */
    <E> void register(Iterable<E> entries, Function<E, A> adjacency) {
        int before = byId.size();
        for (E e : entries) {
            A a = adjacency.apply(e);
            for (A path : a.paths()) {
                idOf(path);
            }
            idOf(a);
        }
        if (byId.size() == before && published.getAsInt() == before) {
            return;
        }
        int n = byId.size();
        int[] firstMember = new int[n];
        List<Integer> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            firstMember[i] = members.size();
            for (A path : byId.get(i).paths()) {
                members.add(ids.get(path));
            }
        }
        int[] memberIds = new int[members.size()];
        for (int i = 0; i < memberIds.length; i++) {
            memberIds[i] = members.get(i);
        }
        publisher.publish(byId, firstMember, memberIds);
    }

    private int idOf(A a) {
        return ids.computeIfAbsent(a, x -> {
            byId.add(x);
            return byId.size() - 1;
        });
    }

    /** An adjacency some entry uses: its id, its paths' ids (a group's), and the first entry using it. */
    record Used<A, E>(int id, A adjacency, List<Integer> paths, E entry) {
    }

    /** Every adjacency the entries use, paths included, once each, in id order (for Routing.adjacencies). */
    <E> List<Used<A, E>> used(Iterable<E> entries, Function<E, A> adjacency) {
        java.util.TreeMap<Integer, Used<A, E>> byId = new java.util.TreeMap<>();
        for (E e : entries) {
            A a = adjacency.apply(e);
            List<A> all = new ArrayList<>(a.paths());
            all.add(a);
            for (A one : all) {
                int id = id(one);
                if (!byId.containsKey(id)) {
                    List<Integer> paths = new ArrayList<>();
                    for (A p : one.paths()) {
                        paths.add(id(p));
                    }
                    byId.put(id, new Used<>(id, one, List.copyOf(paths), e));
                }
            }
        }
        return new ArrayList<>(byId.values());
    }

    /** The name Routing.adjacencies gives a kind; both families number them alike (Ip4Tables, Ip6Tables). */
    static String kindName(int kind) {
        return switch (kind) {
            case Ip4Tables.LOCAL -> "local";
            case Ip4Tables.MULTIPATH -> "multipath";
            case Ip4Tables.STEERED -> "steered";
            default -> "forward";
        };
    }
}

package dev.junction.mpls.tables;

/** Small integers 0..capacity-1 handed out and back (a stack of free ones); control path, caller locks. */
final class SlotAllocator {
    private final int[] free;
    private int count;

    SlotAllocator(int capacity) {
        free = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            free[i] = capacity - 1 - i;
        }
        count = capacity;
    }

    int allocate() {
        return count == 0 ? -1 : free[--count];
    }

    void free(int slot) {
        free[count++] = slot;
    }
}

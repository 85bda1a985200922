package dev.junction.lb.nodes;

import dev.junction.lb.control.Addresses;
import dev.junction.lb.control.LbControl;
import dev.junction.lb.flows.FlowTable;

final class FlowTableView {
    private FlowTableView() {
    }

    /** The slot of the reverse entry of a flow (backend to client), or -1. */
    static int reverse(LbControl lb, String backend, int bport, String client, int cport) {
        long[] b = Addresses.parse(backend), c = Addresses.parse(client);
        return lb.table().find(FlowTable.misc((int) b[0], 0, 6, bport, cport), b[1], b[2], c[1], c[2], 1_000_000_000L);
    }
}

package dev.junction.lb.nodes;

import dev.junction.lb.control.Addresses;
import dev.junction.lb.control.LbControl;
import dev.junction.lb.flows.FlowTable;

final class FlowTableView {
    private FlowTableView() {
    }

    /** The slot of the NAT flow a reply (backend to client) finds, or -1. */
    static int reverse(LbControl lb, String backend, int bport, String client, int cport) {
        long[] b = Addresses.parse(backend), c = Addresses.parse(client);
        long k0 = FlowTable.misc((int) b[0], 0, 6, bport, cport);
        return lb.table().findReply(FlowTable.replyHash(k0, c[1], c[2]), k0, b[1], b[2], c[1], c[2], 1_000_000_000L);
    }
}

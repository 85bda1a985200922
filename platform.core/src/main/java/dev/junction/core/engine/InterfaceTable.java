package dev.junction.core.engine;

import dev.junction.device.NetDevice;
import dev.junction.graph.InterfaceView;

/** The interfaces of one graph snapshot, by interface index. Immutable. */
final class InterfaceTable implements InterfaceView {
    final NetDevice[] devices;
    private final String[] names;
    private final long[] macs;
    private final int[] mtus;
    private final boolean[] up;
    private final String[] modes;

    InterfaceTable(NetDevice[] devices, boolean[] up, String[] modes) {
        this.devices = devices;
        this.up = up;
        this.modes = modes;
        names = new String[devices.length];
        macs = new long[devices.length];
        mtus = new int[devices.length];
        for (int i = 0; i < devices.length; i++) {
            if (devices[i] != null) {
                names[i] = devices[i].name();
                macs[i] = devices[i].mac();
                mtus[i] = devices[i].mtu();
            }
        }
    }

    @Override
    public int size() {
        return devices.length;
    }

    @Override
    public boolean isUp(int ifIndex) {
        return ifIndex >= 0 && ifIndex < up.length && up[ifIndex];
    }

    @Override
    public String name(int ifIndex) {
        return ifIndex >= 0 && ifIndex < names.length ? names[ifIndex] : null;
    }

    @Override
    public long mac(int ifIndex) {
        return macs[ifIndex];
    }

    @Override
    public int mtu(int ifIndex) {
        return mtus[ifIndex];
    }

    @Override
    public int indexOf(String name) {
        for (int i = 0; i < names.length; i++) {
            if (name.equals(names[i])) {
                return i;
            }
        }
        return -1;
    }

    /** What interface:list shows: {@code l3}, or the description of the mode a bundle claimed. */
    String mode(int ifIndex) {
        return modes[ifIndex];
    }

}

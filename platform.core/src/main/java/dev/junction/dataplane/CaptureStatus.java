package dev.junction.dataplane;

/** A pcap capture: where it writes, how many frames it wrote and lost (ring full), and whether it still runs. */
public record CaptureStatus(String iface, String file, CaptureDirection direction, long limit, long written,
        long dropped, boolean active) {
}

package dev.junction.device.memory;

/**
 * What a memory device generates on its receive side: UDP over IPv4 frames of {@code frameSize} bytes
 * spread over {@code flows} source ports, at {@code ratePps} frames per second (0: as fast as polled)
 * until {@code count} frames (0: forever).
 */
public record TrafficProfile(int frameSize, int flows, long ratePps, long count, long srcMac, long dstMac,
        int srcIp, int dstIp) {

    public static final int MIN_FRAME = 60;
    public static final int MAX_FRAME = 1514;

    public TrafficProfile {
        if (frameSize < MIN_FRAME || frameSize > MAX_FRAME) {
            throw new IllegalArgumentException("frame-size must be " + MIN_FRAME + ".." + MAX_FRAME + " bytes, not " + frameSize);
        }
        if (flows < 1 || flows > 65536) {
            throw new IllegalArgumentException("flows must be 1..65536, not " + flows);
        }
        if (ratePps < 0) {
            throw new IllegalArgumentException("rate must be >= 0 frames per second (0 = unlimited), not " + ratePps);
        }
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0 (0 = forever), not " + count);
        }
    }

    /** 64-byte frames, 16 flows, unlimited rate and count, 10.0.0.1 -> 10.0.1.1. */
    public static TrafficProfile defaults() {
        return new TrafficProfile(64, 16, 0, 0, 0x02_00_00_00_00_01L, 0x02_00_00_00_00_02L, 0x0A00_0001, 0x0A00_0101);
    }

    public TrafficProfile withRate(long pps) {
        return new TrafficProfile(frameSize, flows, pps, count, srcMac, dstMac, srcIp, dstIp);
    }

    public TrafficProfile withCount(long n) {
        return new TrafficProfile(frameSize, flows, ratePps, n, srcMac, dstMac, srcIp, dstIp);
    }

    public TrafficProfile withFrameSize(int size) {
        return new TrafficProfile(size, flows, ratePps, count, srcMac, dstMac, srcIp, dstIp);
    }

    public TrafficProfile withFlows(int n) {
        return new TrafficProfile(frameSize, n, ratePps, count, srcMac, dstMac, srcIp, dstIp);
    }
}

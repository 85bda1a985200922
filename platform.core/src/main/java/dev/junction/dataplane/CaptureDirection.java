package dev.junction.dataplane;

/** Which frames of an interface a capture records. */
public enum CaptureDirection {
    RX, TX, BOTH;

    public boolean rx() {
        return this != TX;
    }

    public boolean tx() {
        return this != RX;
    }
}

package dev.junction.l2;

/**
 * One entry of a bridge domain's MAC table.
 *
 * @param bridge the domain
 * @param mac the MAC, in the low 48 bits
 * @param iface the port it was learned on (or set to)
 * @param isStatic whether it was configured (never aged, never moved)
 * @param ageMillis how long ago a frame from it was last seen (0 for static entries)
 */
public record MacEntry(String bridge, long mac, String iface, boolean isStatic, long ageMillis) {
}

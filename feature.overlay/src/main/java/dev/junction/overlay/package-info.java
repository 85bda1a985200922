/**
 * Overlay tunnels as interfaces: {@link dev.junction.overlay.Tunnels} makes, changes and removes
 * VXLAN and NVGRE tunnels ({@link dev.junction.overlay.TunnelSettings}) and reports them with their
 * counters ({@link dev.junction.overlay.TunnelStatus}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package dev.junction.overlay;

/**
 * The driver SPI: register a {@link dev.junction.device.NetDevice} service and the core polls it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package dev.junction.device;

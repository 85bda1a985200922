/** A device made of memory: traffic generator on receive, counting and verifying sink on transmit. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package dev.junction.device.memory;

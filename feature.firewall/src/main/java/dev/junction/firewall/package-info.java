/**
 * Junction's firewall: named rule sets ({@link dev.junction.firewall.Rule}) attached to interfaces by
 * direction or to VRFs, classified without scanning rules one by one, and stateful connection tracking.
 * {@link dev.junction.firewall.Firewall} is the service feature.firewall registers; rule sets applied
 * through it are checked whole (a bad one is refused with the reason, the running one kept).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package dev.junction.firewall;

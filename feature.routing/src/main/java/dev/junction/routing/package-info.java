/** Routing as a service: addresses, routes, VRFs, neighbours ({@link dev.junction.routing.Routing}). */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.3.0")
package dev.junction.routing;

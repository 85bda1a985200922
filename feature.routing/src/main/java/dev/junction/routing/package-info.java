/** IPv4 routing as a service: addresses, routes, neighbours ({@link dev.junction.routing.Routing}). */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package dev.junction.routing;

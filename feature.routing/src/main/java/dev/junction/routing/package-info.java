/**
 * Routing as a service: addresses, routes, VRFs, neighbours ({@link dev.junction.routing.Routing}),
 * prefixes steered to other bundles' nodes ({@link dev.junction.routing.SteeredPrefix}), services on
 * the router's own addresses that other bundles' nodes provide ({@link dev.junction.routing.LocalService}),
 * and news of route changes ({@link dev.junction.routing.RouteListener}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.7.0")
package dev.junction.routing;

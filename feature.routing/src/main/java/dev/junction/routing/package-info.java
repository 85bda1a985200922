/**
 * Routing as a service: addresses, routes, VRFs, neighbours ({@link dev.junction.routing.Routing}),
 * prefixes steered to other bundles' nodes ({@link dev.junction.routing.SteeredPrefix}), services on
 * the router's own addresses that other bundles' nodes provide ({@link dev.junction.routing.LocalService}),
 * news of route changes ({@link dev.junction.routing.RouteListener}), and the routes with MPLS labels
 * a routing daemon sends ({@link dev.junction.routing.LabelRouteListener}), and the IPv4 neighbours
 * as the fast path reads them ({@link dev.junction.routing.Ip4Neighbours}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.8.0")
package dev.junction.routing;

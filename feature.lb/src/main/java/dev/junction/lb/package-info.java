/**
 * The load balancer as a service ({@link dev.junction.lb.LoadBalancer}): services on VIPs, their
 * backends with weights, flows and counters. Control path.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.3.0")
package dev.junction.lb;

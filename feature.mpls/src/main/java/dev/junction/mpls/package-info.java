/**
 * MPLS as a service: the label table (incoming label to action and next hops) and the imposition
 * entries (a prefix whose packets get a label stack pushed), as {@link dev.junction.mpls.Mpls} shows
 * them, with their counters.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package dev.junction.mpls;

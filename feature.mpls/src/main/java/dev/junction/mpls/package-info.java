/**
 * MPLS as a service: the label table (incoming label to action and next hops) and the imposition
 * entries (a prefix whose packets get a label stack pushed), as {@link dev.junction.mpls.Mpls} shows
 * them, with their counters, whether configured or learned from FRR.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package dev.junction.mpls;

/** The running data plane as a service: {@link dev.junction.dataplane.Dataplane} and its status records. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.3.0")
package dev.junction.dataplane;

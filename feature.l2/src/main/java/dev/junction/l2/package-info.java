/**
 * Junction's layer 2 as services: {@link dev.junction.l2.CrossConnects}, the interfaces whose
 * frames go out of another interface unchanged, and {@link dev.junction.l2.Bridges}, the bridge
 * domains with their ports and MAC tables.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package dev.junction.l2;

/**
 * Junction's layer 2 as a service: {@link dev.junction.l2.CrossConnects}, the interfaces whose
 * frames go out of another interface unchanged.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package dev.junction.l2;

/** Junction's configuration file: load, check and show it as a whole. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package dev.junction.config;

/**
 * Junction's configuration file: load, check and show it as a whole; statements of a bundle's own,
 * declared once ({@link dev.junction.config.StatementSpec}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.3.0")
package dev.junction.config;

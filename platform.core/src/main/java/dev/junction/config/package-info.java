/**
 * Junction's configuration file: load, check and show it as a whole; statements of a bundle's own,
 * declared once ({@link dev.junction.config.StatementSpec}); a bundle's stored statements applied
 * before its nodes join ({@link dev.junction.config.StoredConfiguration}).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.4.0")
package dev.junction.config;

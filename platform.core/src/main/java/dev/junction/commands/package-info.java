/**
 * Shell commands as an optional part of a bundle: {@link dev.junction.commands.OptionalCommands}
 * enables a bundle's command components only when the bundle was resolved with the shell.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.1.0")
package dev.junction.commands;

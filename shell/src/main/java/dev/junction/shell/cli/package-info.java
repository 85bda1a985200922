/**
 * Helpers for Gogo commands of any Junction bundle: {@link dev.junction.shell.cli.Cli} parses
 * options and arguments, prints {@code --help} and errors with the usage, and declares TAB
 * completion; {@link dev.junction.shell.cli.Table} lines up columns;
 * {@link dev.junction.shell.cli.StoredStatements} persists a command's statement in ConfigAdmin.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.2.0")
package dev.junction.shell.cli;

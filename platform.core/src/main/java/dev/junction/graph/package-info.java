/**
 * The packet graph SPI: implement {@link dev.junction.graph.PacketNode} and register it as a service
 * to add a node or an arc feature to the running graph.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("0.3.0")
package dev.junction.graph;

/**
 * The packet graph SPI: implement {@link dev.junction.graph.PacketNode} and register it as a service
 * to add a node or an arc feature to the running graph; register an
 * {@link dev.junction.graph.ArcDefinition} for an arc of one's own, an
 * {@link dev.junction.graph.EtherTypeClaim} to receive an ethertype, an
 * {@link dev.junction.graph.InterfaceMode} to own an interface's layer 2.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.junction.graph;

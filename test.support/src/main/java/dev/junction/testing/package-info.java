/**
 * What the modules' tests share when they drive real peers: {@link dev.junction.testing.Commands}
 * to run commands on the host or in a network namespace, {@link dev.junction.testing.RootOnly} for
 * the tests that need root, {@link dev.junction.testing.LinuxHosts} for Linux hosts in namespaces
 * that are removed after each test, {@link dev.junction.testing.TcpTransfer} to check that bytes
 * cross intact. A plain jar, used with test scope only; the in-framework tests
 * ({@code itests}) run inside OSGi and keep their own.
 */
package dev.junction.testing;
